using Npgsql;
using WebApp.Data;

namespace WebApp.Tests.Data;

/// <summary>What the app adds to (and refuses in) the operator's Npgsql connection string.</summary>
public sealed class PostgresConnectionStringTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    [Fact]
    public void Defaults_PrepareStatementsSkipTheResetAndNameTheApp()
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgresConnectionString("Host=db;Database=webapp", Deadline));

        Assert.Equal(20, built.MaxAutoPrepare);
        Assert.True(built.NoResetOnClose);
        Assert.Equal("WebApp", built.ApplicationName);
        Assert.Equal("db", built.Host);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false;Application Name=ops")]
    [InlineData("Host=db;MaxAutoPrepare=0;NoResetOnClose=false;ApplicationName=ops")]
    [InlineData("host=db;max auto prepare=0;NO RESET ON CLOSE=false;application name=ops")]
    public void OperatorValues_AreKept(string configured)
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgresConnectionString(configured, Deadline));

        Assert.Equal(0, built.MaxAutoPrepare);
        Assert.False(built.NoResetOnClose);
        Assert.Equal("ops", built.ApplicationName);
    }

    [Theory]
    [InlineData("Host=db;Command Timeout=5")]
    [InlineData("Host=db;Command Timeout=2")]
    public void CommandTimeoutAtOrBelowTheDeadline_IsRefused(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DatabaseServiceCollectionExtensions.PostgresConnectionString(configured, Deadline));
        Assert.Contains("Command Timeout", error.Message, StringComparison.Ordinal);
    }
}
