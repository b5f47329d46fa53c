using Serilog.Events;
using WebApp.Observability;

namespace WebApp.Tests.Observability;

public sealed class ControlCharacterEscaperTests
{
    [Fact]
    public void Escape_NestedStrings_EscapedAtEveryDepthAndCleanValuesKept()
    {
        var clean = new ScalarValue("plain ünïcödé 🦊");
        var value = new StructureValue(
        [
            new LogEventProperty("Clean", clean),
            new LogEventProperty("List", new SequenceValue([new ScalarValue(42), new ScalarValue("a\nb")])),
            new LogEventProperty("Map", new DictionaryValue([KeyValuePair.Create(new ScalarValue("k\u2028"), (LogEventPropertyValue)new ScalarValue("v\u0085"))])),
        ], "Shape");

        var escaped = Assert.IsType<StructureValue>(ControlCharacterEscaper.Escape(value));

        Assert.Equal("Shape", escaped.TypeTag);
        Assert.Same(clean, escaped.Properties[0].Value);
        Assert.Equal("[42, \"a\\nb\"]", escaped.Properties[1].Value.ToString());
        Assert.Equal("[(\"k\\u2028\": \"v\\u0085\")]", escaped.Properties[2].Value.ToString());
        Assert.Same(clean, ControlCharacterEscaper.Escape(clean));
    }

    [Theory]
    [InlineData("a\r\nb", "a\\r\\nb")]
    [InlineData("\t\u001B[31m", "\\t\\u001B[31m")]
    [InlineData("\u2029\u202E\u2066", "\\u2029\\u202E\\u2066")]
    [InlineData("Zoë \\n", "Zoë \\n")]
    public void Escape_String_ControlsWrittenAsEscapes(string raw, string expected) =>
        Assert.Equal(expected, ControlCharacterEscaper.Escape(raw));
}
