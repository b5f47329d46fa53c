namespace Upfront.Loading;

/// <summary>A handle on one loader's result, read after <see cref="LoadGroup.WaitAsync"/>.</summary>
public sealed class Loader<T>
{
    private const int Pending = 0;
    private const int Succeeded = 1;
    private const int Degraded = 2;

    private T? _value;
    private volatile int _state;

    internal Loader(string name) => Name = name;

    /// <summary>The loader's name, as it was added.</summary>
    public string Name { get; }

    /// <summary>The loaded value; throws if the loader was degraded, failed or has not finished.</summary>
    public T Value => _state == Succeeded
        ? _value!
        : throw new InvalidOperationException(_state == Degraded
            ? $"Loader '{Name}' is degraded; use {nameof(ValueOrDefault)} or check {nameof(IsDegraded)}."
            : $"Loader '{Name}' has no value (not finished, failed or canceled).");

    /// <summary>True when an optional loader failed or ran out of its budget: render without it.</summary>
    public bool IsDegraded => _state == Degraded;

    /// <summary>The value, or the type's default when there is none (an optional loader that degraded).</summary>
    public T? ValueOrDefault => _state == Succeeded ? _value : default;

    // The value is written before the state, and the state is volatile, so a reader that sees Succeeded sees the value.
    internal void SetValue(T value)
    {
        _value = value;
        _state = Succeeded;
    }

    internal void SetDegraded() => _state = Degraded;
}
