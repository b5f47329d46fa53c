using System.Data;
using System.Data.Common;
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
        // A command with the same SQL and its parameters in another order must not get those positions.
        const string Sql = "SELECT @a - @b";
        using var group = new LoadGroupFactory(TimeProvider.System, Options.Create(new LoadingOptions()), NullLogger<LoadGroup>.Instance, []).Create("test", CancellationToken.None);
        var commands = group.Required("test.kept", _ => Task.FromResult((Intercepted(Sql, "@a", "@b"), Intercepted(Sql, "@b", "@a"))));
        await group.WaitAsync();
        var (first, second) = commands.Value;

        Assert.Equal("-- test.kept\n\nSELECT $1 - $2", first.CommandText);
        Assert.All(first.Parameters.Cast<DbParameter>(), p => Assert.Empty(p.ParameterName));
        Assert.Equal("-- test.kept\n\nSELECT @a - @b", second.CommandText);
        Assert.Equal(["@b", "@a"], second.Parameters.Cast<DbParameter>().Select(p => p.ParameterName));

        static NpgsqlCommand Intercepted(string sql, params string[] names)
        {
            var command = new NpgsqlCommand(sql);
            foreach (var name in names)
            {
                command.Parameters.Add(new NpgsqlParameter { ParameterName = name, Value = 1 });
            }

            LoaderSqlTag.Instance.ReaderExecuting(command, null!, default);
            PositionalParameters.Instance.ReaderExecuting(command, null!, default);
            return command;
        }
    }
}
