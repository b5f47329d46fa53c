using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Upfront.EntityFrameworkCore;
using Upfront.EntityFrameworkCore.Npgsql;
using Upfront.Loading;

namespace Upfront.Tests.EntityFrameworkCore;

/// <summary>
/// <see cref="PositionalParameters"/>: EF Core's named parameters replaced by PostgreSQL's positional ones, only where
/// that is safe, and only with the parameters the kept text was built for.
/// </summary>
public sealed class PositionalParametersTests
{
    [Theory]
    [InlineData("SELECT u.id FROM users AS u WHERE u.handle = @handle LIMIT 1", "@handle", "SELECT u.id FROM users AS u WHERE u.handle = $1 LIMIT 1")]
    [InlineData("SELECT 1 WHERE @handle = 'a' OFFSET @skip", "@skip @handle", "SELECT 1 WHERE $2 = 'a' OFFSET $1")]
    [InlineData("SELECT @handle, @handle", "@handle", "SELECT $1, $1")]
    [InlineData("SELECT @p0 + @p", "@p @p0", "SELECT $2 + $1")]
    [InlineData("SELECT '@p', 'it''s @p', \"@p\", x @> @p -- @p\n/* @p */ FROM t", "@p", "SELECT '@p', 'it''s @p', \"@p\", x @> $1 -- @p\n/* @p */ FROM t")]
    [InlineData("SELECT @a / @b", "@a @b", "SELECT $1 / $2")]
    [InlineData("SELECT @p /* x @p */, @p /* @p*/", "@p", "SELECT $1 /* x @p */, $1 /* @p*/")]
    [InlineData("SELECT @p*/* @p */3", "@p", "SELECT $1*/* @p */3")]
    [InlineData("SELECT @handle", "@handle @skip", null)]
    [InlineData("SELECT @handle; SELECT 1", "@handle", null)]
    [InlineData("SELECT $1, @handle", "@handle", null)]
    [InlineData("SELECT 'open @handle", "@handle", null)]
    [InlineData("SELECT @handle", "handle", null)]
    public void Positional_ReplacesEachNamedParameterByItsPlace_OrRefuses(string sql, string names, string? expected)
    {
        using var command = new NpgsqlCommand();
        foreach (var name in names.Split(' '))
        {
            command.Parameters.Add(new NpgsqlParameter { ParameterName = name, Value = 1 });
        }

        Assert.Equal(expected, PositionalParameters.Positional(sql, command.Parameters));
    }

    [Fact]
    public void Positional_RefusesAnOutputParameter()
    {
        using var command = new NpgsqlCommand();
        command.Parameters.Add(new NpgsqlParameter { ParameterName = "@id", Direction = ParameterDirection.Output });

        Assert.Null(PositionalParameters.Positional("SELECT @id", command.Parameters));
    }

    [Fact]
    public async Task TheKeptSqlWithOtherParameters_RunsNamedWithTheTag()
    {
        // The positional text is kept per (loader, SQL) and built for the first command's parameters, in their order.
        // A command with the same SQL and its parameters in another order, or one more, must not get those positions.
        // The SQL is a string of this run's own (the kept texts are keyed by reference and live as long as the process).
        var sql = $"SELECT @a - @b -- {Guid.NewGuid():N}";
        using var group = NewGroup();
        var commands = group.Required("test.kept", _ => Task.FromResult((
            Intercepted(new NpgsqlCommand(sql), "@a", "@b"), Intercepted(new NpgsqlCommand(sql), "@b", "@a"), Intercepted(new NpgsqlCommand(sql), "@a", "@b", "@c"))));
        await group.WaitAsync();
        var (first, second, third) = commands.Value;

        Assert.Equal($"-- test.kept\n\n{sql.Replace("@a", "$1").Replace("@b", "$2")}", first.CommandText);
        Assert.All(first.Parameters.Cast<DbParameter>(), p => Assert.Empty(p.ParameterName));
        Assert.Equal($"-- test.kept\n\n{sql}", second.CommandText);
        Assert.Equal(["@b", "@a"], second.Parameters.Cast<DbParameter>().Select(p => p.ParameterName));
        Assert.Equal($"-- test.kept\n\n{sql}", third.CommandText);
        Assert.Equal(["@a", "@b", "@c"], third.Parameters.Cast<DbParameter>().Select(p => p.ParameterName));
    }

    [Fact]
    public async Task ACommandOfAnotherProvider_RunsAsItWasWritten()
    {
        var sql = $"SELECT @a -- {Guid.NewGuid():N}";
        using var group = NewGroup();
        var command = group.Required("test.sqlite", _ => Task.FromResult(Intercepted(new SqliteCommand(sql), "@a")));
        await group.WaitAsync();

        Assert.Equal($"-- test.sqlite\n\n{sql}", command.Value.CommandText);
        Assert.Equal("@a", Assert.Single(command.Value.Parameters.Cast<DbParameter>()).ParameterName);
    }

    private static LoadGroup NewGroup() =>
        new LoadGroupFactory(TimeProvider.System, Options.Create(new LoadingOptions()), NullLogger<LoadGroup>.Instance, []).Create("test", CancellationToken.None);

    private static DbCommand Intercepted(DbCommand command, params string[] names)
    {
        foreach (var name in names)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = 1;
            command.Parameters.Add(parameter);
        }

        LoaderSqlTag.Instance.ReaderExecuting(command, null!, default);
        PositionalParameters.Instance.ReaderExecuting(command, null!, default);
        return command;
    }
}
