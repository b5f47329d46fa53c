using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Time.Testing;
using Upfront.Loading;
using WebApp.Pages.Debug;

namespace WebApp.Tests.Pages.Debug;

/// <summary>
/// /debug/loaders' model on its own, over a registry filled by hand and a fake clock: the ages of running loaders,
/// each waterfall bar's place and width, and the formats it answers.
/// </summary>
public sealed class LoadersModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly InFlightRegistry _registry = new();
    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public void Get_RunningLoaders_ListedOldestFirstWithTheirAge()
    {
        _registry.OnLoaderStarted(new LoaderStarted(2, "profile", "profile.posts", Now.AddMilliseconds(-250.5), "trace-b"));
        _registry.OnLoaderStarted(new LoaderStarted(1, "home", "home.latest", Now.AddSeconds(-2), null));

        var (model, _) = Get(null, out _);

        Assert.Equal(Now, model.View.Now);
        Assert.Equal(
            [new RunningLoader("home", "home.latest", Now.AddSeconds(-2), 2000, null), new RunningLoader("profile", "profile.posts", Now.AddMilliseconds(-250.5), 250.5, "trace-b")],
            model.View.Running);
    }

    [Fact]
    public void Get_RecentLoad_PlacesEachBarInPercentOfTheLoadRoundedToHundredths()
    {
        _registry.OnGroupCompleted(new PageLoad("profile", Now.AddSeconds(-1), TimeSpan.FromMilliseconds(300), [
            Timing("profile.user", 0, 100, LoaderOutcome.Ok),
            Timing("profile.posts", 100.123, 200.456, LoaderOutcome.Faulted),
            Timing("profile.tiny", 150, 0.3, LoaderOutcome.Canceled),       // 0.1%: drawn at the 0.5% minimum
            Timing("profile.late", 290, 50, LoaderOutcome.Degraded),        // past the end: 100% at most
            Timing("profile.before", -10, 400, LoaderOutcome.Ok),           // before the start: from 0%
        ], "trace-1"));

        var (model, _) = Get("html", out _);

        var load = Assert.Single(model.View.Recent);
        Assert.Equal(("profile", Now.AddSeconds(-1), 300.0, "trace-1"), (load.Page, load.StartedAt, load.DurationMs, load.TraceId));
        Assert.Equal(
            [
                new WaterfallBar("profile.user", "ok", 0, 100, 0, 33.33),
                new WaterfallBar("profile.posts", "faulted", 100.12, 200.46, 33.37, 66.82),
                new WaterfallBar("profile.tiny", "canceled", 150, 0.3, 50, 0.5),
                new WaterfallBar("profile.late", "degraded", 290, 50, 96.67, 16.67),
                new WaterfallBar("profile.before", "ok", -10, 400, 0, 100),
            ],
            load.Bars);
    }

    [Fact]
    public void Get_LoadOfZeroDuration_HasFiniteBars()
    {
        _registry.OnGroupCompleted(new PageLoad("home", Now, TimeSpan.Zero, [Timing("home.latest", 0, 0, LoaderOutcome.Ok)], null));

        var (model, _) = Get(null, out _);

        var bar = Assert.Single(Assert.Single(model.View.Recent).Bars);
        Assert.Equal((0.0, 0.5), (bar.LeftPercent, bar.WidthPercent));
    }

    [Theory]
    [InlineData(null, typeof(PageResult))]
    [InlineData("html", typeof(PageResult))]
    [InlineData("json", typeof(JsonResult))]
    [InlineData("", typeof(PageResult))] // an empty value is none, as model binding gave it
    public void Get_KnownFormat_AnswersItUncached(string? format, Type result)
    {
        var (model, answer) = Get(format, out var context);

        Assert.IsType(result, answer);
        Assert.Equal("no-store", context.Response.Headers.CacheControl.ToString());
        if (answer is JsonResult json)
        {
            Assert.Same(model.View, json.Value);
        }
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("JSON")]
    public void Get_OtherFormat_IsABadRequest(string format)
    {
        var (_, answer) = Get(format, out var context);

        Assert.IsType<BadRequestResult>(answer);
        Assert.Equal("", context.Response.Headers.CacheControl.ToString());
    }

    private static LoaderTiming Timing(string name, double startMs, double durationMs, LoaderOutcome outcome) =>
        new("profile", name, false, TimeSpan.FromMilliseconds(startMs), TimeSpan.FromMilliseconds(durationMs), outcome);

    private (LoadersModel Model, IActionResult Answer) Get(string? format, out HttpContext context)
    {
        context = new DefaultHttpContext();
        if (format is not null)
        {
            context.Request.QueryString = QueryString.Create("format", format);
        }

        var model = new LoadersModel(_registry, _time) { PageContext = new PageContext { HttpContext = context } };
        return (model, model.OnGet(format));
    }
}
