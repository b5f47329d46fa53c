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

    [Fact]
    public void Defaults_PoolSizedForTheBudgetAndPoolWaitOutlastsTheDeadline()
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgresConnectionString("Host=db;Database=webapp", Deadline));

        Assert.Equal(DatabaseServiceCollectionExtensions.DefaultMaxPoolSize, built.MaxPoolSize);
        // Three instances, each reaching both the primary and a standby, plus a few admin sessions, in a stock server.
        Assert.True(3 * built.MaxPoolSize + 10 <= 100, $"3 x {built.MaxPoolSize} + 10 > max_connections 100");
        Assert.True(TimeSpan.FromSeconds(built.Timeout) > Deadline, $"Timeout {built.Timeout} s would fail a pool wait before the deadline");
    }

    [Fact]
    public void Defaults_DeadlineLongerThanNpgsqlsTimeout_RaisesTheTimeoutPastIt()
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgresConnectionString("Host=db", TimeSpan.FromSeconds(20)));

        Assert.True(built.Timeout > 20, $"Timeout {built.Timeout} s");
    }

    [Theory]
    [InlineData("Host=db;Timeout=5")]
    [InlineData("Host=db;Timeout=1")]
    public void TimeoutAtOrBelowTheDeadline_IsRefused(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DatabaseServiceCollectionExtensions.PostgresConnectionString(configured, Deadline));
        Assert.Contains("Timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForTarget_SeveralHosts_ReadsPreferAStandbyWritesThePrimary()
    {
        const string configured = "Host=10.0.0.1:5432,10.0.0.2:5432;Database=webapp;Target Session Attributes=any";

        var reads = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.ForTarget(configured, TargetSessionAttributes.PreferStandby));
        var writes = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.ForTarget(configured, TargetSessionAttributes.Primary));

        Assert.Equal("prefer-standby", reads.TargetSessionAttributes);
        Assert.Equal("primary", writes.TargetSessionAttributes);
        Assert.Equal("10.0.0.1:5432,10.0.0.2:5432", writes.Host);
    }

    [Fact]
    public void ForTarget_OneHost_LeavesTheStringAsItIs()
    {
        const string configured = "Host=db;Database=webapp";

        Assert.Equal(configured, DatabaseServiceCollectionExtensions.ForTarget(configured, TargetSessionAttributes.PreferStandby));
        Assert.Equal(configured, DatabaseServiceCollectionExtensions.ForTarget(configured, TargetSessionAttributes.Primary));
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0;No Reset On Close=false;Application Name=ops;Maximum Pool Size=7")]
    [InlineData("Host=db;MaxAutoPrepare=0;NoResetOnClose=false;ApplicationName=ops;MaxPoolSize=7")]
    [InlineData("host=db;max auto prepare=0;NO RESET ON CLOSE=false;application name=ops;maximum pool size=7")]
    public void OperatorValues_AreKept(string configured)
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgresConnectionString(configured, Deadline));

        Assert.Equal(0, built.MaxAutoPrepare);
        Assert.False(built.NoResetOnClose);
        Assert.Equal("ops", built.ApplicationName);
        Assert.Equal(7, built.MaxPoolSize);
    }

    [Theory]
    [InlineData("Host=db;Command Timeout=5")]
    [InlineData("Host=db;Command Timeout=2")]
    public void CommandTimeoutAtOrBelowTheDeadline_IsRefused(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => DatabaseServiceCollectionExtensions.PostgresConnectionString(configured, Deadline));
        Assert.Contains("Command Timeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db", DatabasePooler.None, 20, true)]
    [InlineData("Host=db", DatabasePooler.PgBouncer, 0, true)]
    [InlineData("Host=db;Max Auto Prepare=50;No Reset On Close=false", DatabasePooler.PgBouncer, 0, true)]
    [InlineData("Host=db;Max Auto Prepare=50;No Reset On Close=false", DatabasePooler.None, 50, false)]
    public void BehindPgBouncer_NoAutoPrepareAndNoReset_WhateverTheStringSays(string configured, DatabasePooler pooler, int maxAutoPrepare, bool noResetOnClose)
    {
        var built = new NpgsqlConnectionStringBuilder(DatabaseServiceCollectionExtensions.PostgresConnectionString(configured, Deadline, pooler));

        Assert.Equal(maxAutoPrepare, built.MaxAutoPrepare);
        Assert.Equal(noResetOnClose, built.NoResetOnClose);
    }
}
