using System.Text.Json;

namespace WebApp.Tests.Hosting;

/// <summary>The runtime settings the app ships with, read from the <c>WebApp.runtimeconfig.json</c> its build writes.</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void GarbageCollector_IsServerGcWithAHeapPerCore_NotDatas()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "WebApp.runtimeconfig.json")));
        var settings = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(settings.GetProperty("System.GC.Server").GetBoolean());
        // DATAS (dynamic adaptation) off: a heap per core from the start (WebApp.csproj says why).
        Assert.Equal(0, settings.GetProperty("System.GC.DynamicAdaptationMode").GetInt32());
    }
}
