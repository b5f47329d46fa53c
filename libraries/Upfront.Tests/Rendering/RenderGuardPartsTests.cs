using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Upfront.EntityFrameworkCore;
using Upfront.Rendering;

namespace Upfront.Tests.Rendering;

/// <summary>
/// Each I/O path the render guard watches, one at a time: every EF Core command kind (reader, scalar, non-query;
/// sync and async), a connection open, an outgoing HTTP request; what the violation says; the metrics' names; and
/// that results which are not pages pass through untouched: a page-level test stops at the first guarded call.
/// </summary>
public sealed class RenderGuardPartsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly RenderGuard _guard;
    private readonly RenderMetrics _metrics;

    public RenderGuardPartsTests()
    {
        _metrics = new RenderMetrics(_services.GetRequiredService<IMeterFactory>(), Options.Create(new RenderGuardOptions()));
        _guard = new RenderGuard(Options.Create(new RenderGuardOptions()), new HostingEnvironment { EnvironmentName = "Testing" }, _metrics, NullLogger<RenderGuard>.Instance);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task EveryCommandKind_WhileRendering_IsRefusedAndNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = Context();
        await db.Database.OpenConnectionAsync(ct); // opened before the phase: only the commands are checked below
        await db.Database.ExecuteSqlRawAsync("CREATE TABLE users (id INTEGER PRIMARY KEY, bio TEXT)", ct);
        var longSql = "SELECT 1 AS " + new string('x', 150);

        using (RenderPhase.Enter("profile"))
        {
            // A reader.
            Assert.Equal("database command: SELECT count(*) AS \"Value\" FROM users", Assert.Throws<RenderPhaseViolationException>(() => db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM users").AsEnumerable().First()).Call);
            Assert.Equal("database command: SELECT count(*) AS \"Value\" FROM users", (await Assert.ThrowsAsync<RenderPhaseViolationException>(() => db.Database.SqlQueryRaw<int>("SELECT count(*) AS \"Value\" FROM users").ToListAsync(ct))).Call);
            Assert.Equal("database command: UPDATE users SET bio = bio WHERE id = 0", Assert.Throws<RenderPhaseViolationException>(() => db.Database.ExecuteSqlRaw("UPDATE users SET bio = bio WHERE id = 0")).Call);
            Assert.Equal("database command: UPDATE users SET bio = bio WHERE id = 0", (await Assert.ThrowsAsync<RenderPhaseViolationException>(() => db.Database.ExecuteSqlRawAsync("UPDATE users SET bio = bio WHERE id = 0", ct))).Call);
            var scalar = db.GetService<IRawSqlCommandBuilder>().Build("SELECT 42");
            var parameters = new RelationalCommandParameterObject(db.GetService<IRelationalConnection>(), null, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>());
            Assert.Equal("database command: SELECT 42", Assert.Throws<RenderPhaseViolationException>(() => scalar.ExecuteScalar(parameters)).Call);
            Assert.Equal("database command: SELECT 42", (await Assert.ThrowsAsync<RenderPhaseViolationException>(() => scalar.ExecuteScalarAsync(parameters, ct))).Call);
            // Only the first line, at most 120 characters of it.
            var longCommand = longSql + "\nFROM users";
#pragma warning disable EF1003 // a constant built in the test, no input
            var cut = Assert.Throws<RenderPhaseViolationException>(() => db.Database.ExecuteSqlRaw(longCommand)).Call;
#pragma warning restore EF1003
            Assert.Equal("database command: " + longSql[..120] + "…", cut);
            var exactly120 = "SELECT 1 AS " + new string('y', 120 - "SELECT 1 AS ".Length);
#pragma warning disable EF1003 // a constant built in the test, no input
            Assert.Equal("database command: " + exactly120, Assert.Throws<RenderPhaseViolationException>(() => db.Database.ExecuteSqlRaw(exactly120)).Call);
#pragma warning restore EF1003
            Assert.Equal("profile", Assert.Throws<RenderPhaseViolationException>(() => db.Database.ExecuteSqlRaw("SELECT 1")).Page);
        }

        // Outside the render phase the same calls run.
        Assert.Equal(42, Convert.ToInt32(db.GetService<IRawSqlCommandBuilder>().Build("SELECT 42").ExecuteScalar(new RelationalCommandParameterObject(db.GetService<IRelationalConnection>(), null, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>())), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ConnectionOpen_WhileRendering_IsRefusedAndNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = Context();

        using (RenderPhase.Enter("home"))
        {
            Assert.Equal("database connection open (GuardedDb)", Assert.Throws<RenderPhaseViolationException>(() => db.Database.OpenConnection()).Call);
            Assert.Equal("database connection open (GuardedDb)", (await Assert.ThrowsAsync<RenderPhaseViolationException>(() => db.Database.OpenConnectionAsync(ct))).Call);
        }
    }

    [Fact]
    public async Task HttpRequest_WhileRendering_IsRefusedAndNamed()
    {
        using var invoker = new HttpMessageInvoker(new RenderGuardHandler(_guard) { InnerHandler = new Answering() });
        var request = () => new HttpRequestMessage(HttpMethod.Get, "http://activity.invalid/users/ada/activity");

        using (RenderPhase.Enter("profile"))
        {
            using var asyncRequest = request();
            var refused = await Assert.ThrowsAsync<RenderPhaseViolationException>(() => invoker.SendAsync(asyncRequest, TestContext.Current.CancellationToken));
            Assert.Equal("HTTP GET http://activity.invalid/users/ada/activity", refused.Call);
            using var syncRequest = request();
            Assert.Equal("HTTP GET http://activity.invalid/users/ada/activity", Assert.Throws<RenderPhaseViolationException>(() => invoker.Send(syncRequest, TestContext.Current.CancellationToken)).Call);
        }

        using var allowed = request();
        using var response = await invoker.SendAsync(allowed, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public void Metrics_RenderDurationAndViolations_ByPage_WithUnitsAndDescriptions()
    {
        var measured = new List<(string Instrument, double Value, string Tag)>();
        var published = new List<(string Name, string? Unit, string? Description)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RenderGuardOptions.DefaultMeterName && instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>())
                {
                    published.Add((instrument.Name, instrument.Unit, instrument.Description));
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measured.Add((i.Name, v, $"{tags[0].Key}={tags[0].Value}")));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measured.Add((i.Name, v, $"{tags[0].Key}={tags[0].Value}")));
        listener.Start();

        _metrics.RecordRender("home", TimeSpan.FromMilliseconds(3));
        _metrics.RecordViolation("profile");

        Assert.Equal([("upfront.rendering.duration", 3d, "page=home"), ("upfront.rendering.io_violations", 1d, "page=profile")], measured);
        // What a dashboard shows: the unit (UCUM, as OpenTelemetry names them) and a description of each instrument.
        Assert.Equal(
        [
            ("upfront.rendering.duration", "ms", "How long a page took to render its view model to HTML."),
            ("upfront.rendering.io_violations", "{call}", "I/O calls attempted while a page was rendering."),
        ], published.Where(p => p.Name.StartsWith("upfront.rendering.", StringComparison.Ordinal)));
    }

    [Fact]
    public void Violation_Message_NamesThePageAndTheCall_AndSaysWhereTheLoadBelongs()
    {
        var violation = new RenderPhaseViolationException("profile", "HTTP GET http://activity.invalid/");

        Assert.Equal("Page 'profile' performed I/O while rendering: HTTP GET http://activity.invalid/. Load it before rendering, into the view model.", violation.Message);
    }

    [Fact]
    public async Task Filter_ResultThatIsNotAPage_RunsOutsideTheRenderPhaseAndIsNotTimed()
    {
        var renders = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "upfront.rendering.duration" && instrument.Meter.Scope == _services.GetRequiredService<IMeterFactory>())
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) => renders.Add((string)tags[0].Value!));
        listener.Start();
        var filter = new RenderPhaseFilter(_metrics, Options.Create(new RenderGuardOptions()));
        string? pageDuringJson = "not run";
        string? pageDuringView = "not run";

        await filter.OnResultExecutionAsync(Executing(new JsonResult(1)), () =>
        {
            pageDuringJson = RenderPhase.Page;
            return Task.FromResult<ResultExecutedContext>(null!);
        });
        await filter.OnResultExecutionAsync(Executing(new ViewResult()), () =>
        {
            pageDuringView = RenderPhase.Page;
            return Task.FromResult<ResultExecutedContext>(null!);
        });

        Assert.Null(pageDuringJson);
        Assert.Equal("/Index", pageDuringView);
        Assert.Equal(["/Index"], renders);
        Assert.Null(RenderPhase.Page);
    }

    private static ResultExecutingContext Executing(IActionResult result) =>
        new(new ActionContext(new DefaultHttpContext(), new RouteData(), new ActionDescriptor { DisplayName = "/Index" }), [], result, controller: new object());

    private GuardedDb Context() =>
        new(new DbContextOptionsBuilder<GuardedDb>()
            .UseSqlite("Data Source=:memory:")
            .AddInterceptors(new RenderGuardInterceptor(_guard))
            .Options);

    private sealed class GuardedDb(DbContextOptions<GuardedDb> options) : DbContext(options);

    private sealed class Answering : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new(System.Net.HttpStatusCode.NoContent);
    }
}
