using System.Buffers;
using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace WebApp.Observability;

/// <summary>
/// Escapes, in every string a log event carries (nested ones too), the characters that can start a new line or rewrite
/// what a reader sees: C0 and C1 controls (CR, LF, NEL, ESC...), U+2028/U+2029 and the bidirectional overrides. So no
/// value a visitor sends (a path, a query, a header) can forge a log line in any sink, and it stays readable:
/// <c>\n</c>, <c>\r</c>, <c>\t</c>, else <c>\uXXXX</c>. Added last, after every enricher that adds properties.
/// Message templates are constants (CA2254) and exceptions keep their own lines.
/// </summary>
public sealed class ControlCharacterEscaper : ILogEventEnricher
{
    private static readonly SearchValues<char> Unsafe = SearchValues.Create(
        [.. Range('\u0000', '\u001F'), .. Range('\u007F', '\u009F'), '\u2028', '\u2029', .. Range('\u202A', '\u202E'), .. Range('\u2066', '\u2069')]);

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? escaped = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            var safe = Escape(value);
            if (!ReferenceEquals(safe, value))
            {
                (escaped ??= []).Add(new LogEventProperty(name, safe));
            }
        }

        foreach (var property in escaped ?? [])
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    /// <summary>The value itself when it holds nothing to escape (no allocation), else an escaped copy.</summary>
    public static LogEventPropertyValue Escape(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string text } when text.AsSpan().ContainsAny(Unsafe):
                return new ScalarValue(Escape(text));
            case SequenceValue sequence:
                var elements = EscapeAll(sequence.Elements);
                return elements is null ? value : new SequenceValue(elements);
            case StructureValue structure:
                var properties = EscapeAll(structure.Properties.Select(p => p.Value).ToList());
                return properties is null
                    ? value
                    : new StructureValue(structure.Properties.Zip(properties, (p, v) => new LogEventProperty(p.Name, v)), structure.TypeTag);
            case DictionaryValue dictionary:
                var changed = false;
                var entries = dictionary.Elements.Select(e =>
                {
                    var key = (ScalarValue)Escape(e.Key);
                    var entry = Escape(e.Value);
                    changed |= !ReferenceEquals(key, e.Key) || !ReferenceEquals(entry, e.Value);
                    return KeyValuePair.Create(key, entry);
                }).ToList();
                return changed ? new DictionaryValue(entries) : value;
            default:
                return value;
        }
    }

    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => escaped.Append("\\n"),
                '\r' => escaped.Append("\\r"),
                '\t' => escaped.Append("\\t"),
                _ when Unsafe.Contains(c) => escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
                _ => escaped.Append(c),
            };
        }

        return escaped.ToString();
    }

    // Null when no element changed.
    private static List<LogEventPropertyValue>? EscapeAll(IReadOnlyList<LogEventPropertyValue> values)
    {
        List<LogEventPropertyValue>? escaped = null;
        for (var i = 0; i < values.Count; i++)
        {
            var safe = Escape(values[i]);
            if (escaped is null && !ReferenceEquals(safe, values[i]))
            {
                escaped = [.. values.Take(i)];
            }

            escaped?.Add(safe);
        }

        return escaped;
    }

    private static IEnumerable<char> Range(char first, char last) =>
        Enumerable.Range(first, last - first + 1).Select(c => (char)c);
}
