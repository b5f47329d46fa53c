using System.Data.Common;
using System.Runtime.CompilerServices;
using Upfront.Loading;

namespace Upfront.EntityFrameworkCore;

/// <summary>
/// The batch of one load group's database loaders (<see cref="BatchedLoaders"/>). Each loader reserves a slot when it
/// is added; the batch leaves once the group is sealed and every slot has either sent its statement or finished
/// without one. Result sets are handed out in slot order: the next one is read when the previous loader disposes its
/// reader, and the last disposal closes the batch's connection, inside that loader, so nothing outlives the loaders.
/// </summary>
internal sealed class LoadBatch
{
    private static readonly ConditionalWeakTable<LoadGroup, LoadBatch> Batches = [];
    private static readonly AsyncLocal<Slot?> CurrentSlot = new();

    private readonly LoadGroup _group;
    private readonly BatchedLoaders _batching;
    private readonly Lock _lock = new();
    private readonly List<Slot> _submitted = [];
    // The slots to send, once the batch may leave; the first submitted loader sends them, in its own flow.
    private readonly TaskCompletionSource<List<Slot>> _leave = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _reserved;
    private int _arrived;
    private bool _sealed;
    private bool _left;
    private DbConnection? _connection;
    private DbBatch? _batch;
    private DbDataReader? _reader;

    private LoadBatch(LoadGroup group, BatchedLoaders batching)
    {
        _group = group;
        _batching = batching;
        _ = group.Sealed.ContinueWith(static (_, state) => ((LoadBatch)state!).OnSealed(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        group.Token.UnsafeRegister(static state => ((LoadBatch)state!).OnCancelled(), this);
    }

    /// <summary>The slot of the loader running on this flow, or null outside batched loaders.</summary>
    public static Slot? Current => CurrentSlot.Value;

    /// <summary>A slot in <paramref name="group"/>'s batch, or null when the group cannot batch.</summary>
    public static Slot? Reserve(LoadGroup group, BatchedLoaders batching)
    {
        // A concurrency bound would hold back loaders that the batch waits for; a sealed group takes no more loaders.
        if (group.MaxConcurrency > 0 || group.Sealed.IsCompleted)
        {
            return null;
        }

        var batch = Batches.GetValue(group, g => new LoadBatch(g, batching));
        if (!ReferenceEquals(batch._batching, batching))
        {
            return null; // a second batching context type in one group runs on its own connections
        }

        lock (batch._lock)
        {
            if (batch._left)
            {
                return null;
            }

            batch._reserved++;
            return new Slot(batch);
        }
    }

    private void OnSealed()
    {
        lock (_lock)
        {
            _sealed = true;
            LeaveIfReady();
        }
    }

    private void OnCancelled()
    {
        List<Slot> waiting;
        lock (_lock)
        {
            if (_left)
            {
                return; // the batch is on its way: it sees the token itself
            }

            _left = true;
            waiting = [.. _submitted];
        }

        foreach (var slot in waiting)
        {
            slot.Fail(new OperationCanceledException(_group.Token));
        }

        _leave.TrySetResult([]);
    }

    private void Arrive()
    {
        lock (_lock)
        {
            _arrived++;
            LeaveIfReady();
        }
    }

    // Under the lock: once the group is sealed and every slot has arrived, the batch leaves with what was submitted.
    private void LeaveIfReady()
    {
        if (_left || !_sealed || _arrived < _reserved)
        {
            return;
        }

        _left = true;
        _leave.TrySetResult([.. _submitted]);
    }

    private async Task SendAsync(List<Slot> slots)
    {
        if (slots.Count == 0)
        {
            return;
        }

        var token = _group.Token;
        try
        {
            _connection = slots[0].Connection is ICloneable cloneable
                ? (DbConnection)cloneable.Clone()
                : throw new InvalidOperationException($"{slots[0].Connection.GetType().Name} cannot be cloned for a batch.");
            await _connection.OpenAsync(token).ConfigureAwait(false);
            _batch = _connection.CreateBatch();
            foreach (var slot in slots)
            {
                var command = _batch.CreateBatchCommand();
                command.CommandText = slot.CommandText!;
                foreach (var parameter in slot.Parameters!)
                {
                    command.Parameters.Add(parameter);
                }

                _batch.BatchCommands.Add(command);
            }

            _batching.Configure(_batch);
            _reader = await _batch.ExecuteReaderAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await CloseAsync().ConfigureAwait(false);
            FailFrom(slots, 0, ex);
            return;
        }

        slots[0].Deliver(new BatchResultReader(_reader, () => NextAsync(slots, 0), () => Next(slots, 0)));
    }

    // Slot `done` has disposed its reader: hand the next result set to the next slot, or close the batch after the last.
    private async ValueTask NextAsync(List<Slot> slots, int done)
    {
        var next = done + 1;
        if (next == slots.Count)
        {
            await CloseAsync().ConfigureAwait(false);
            return;
        }

        bool more;
        try
        {
            more = await _reader!.NextResultAsync(_group.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await CloseAsync().ConfigureAwait(false);
            FailFrom(slots, next, ex);
            return;
        }

        Hand(slots, next, more);
    }

    private void Next(List<Slot> slots, int done)
    {
        var next = done + 1;
        if (next == slots.Count)
        {
            Close();
            return;
        }

        bool more;
        try
        {
            more = _reader!.NextResult();
        }
        catch (Exception ex)
        {
            Close();
            FailFrom(slots, next, ex);
            return;
        }

        Hand(slots, next, more);
    }

    private void Hand(List<Slot> slots, int next, bool more)
    {
        if (!more)
        {
            Close();
            FailFrom(slots, next, new InvalidOperationException("The batch ended before every loader's result set."));
            return;
        }

        slots[next].Deliver(new BatchResultReader(_reader!, () => NextAsync(slots, next), () => Next(slots, next)));
    }

    // The statement at `failed` gets the error; the ones after it run on their own connections (the provider stops
    // reading a batch at its first error, and a loader that handles its error must not leave its siblings waiting).
    private static void FailFrom(List<Slot> slots, int failed, Exception error)
    {
        slots[failed].Fail(error);
        for (var i = failed + 1; i < slots.Count; i++)
        {
            slots[i].Deliver(null);
        }
    }

    private async ValueTask CloseAsync()
    {
        if (_reader is not null)
        {
            await _reader.DisposeAsync().ConfigureAwait(false);
        }

        if (_batch is not null)
        {
            await _batch.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Close()
    {
        _reader?.Dispose();
        _batch?.Dispose();
        _connection?.Dispose();
    }

    /// <summary>One loader's place in the batch.</summary>
    internal sealed class Slot(LoadBatch batch)
    {
        private readonly TaskCompletionSource<DbDataReader?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state; // 0: reserved; 1: its statement submitted; 2: runs its statements alone
        private int _arrived;
        private BatchResultReader? _reader;

        public DbConnection Connection { get; private set; } = null!;

        public string? CommandText { get; private set; }

        public List<DbParameter>? Parameters { get; private set; }

        /// <summary>Its first statement may still join the batch.</summary>
        public bool CanSubmit => Volatile.Read(ref _state) == 0;

        /// <summary>Marks this flow as the slot's loader until the scope ends.</summary>
        public Scope Enter()
        {
            var previous = CurrentSlot.Value;
            CurrentSlot.Value = this;
            return new Scope(previous);
        }

        /// <summary>
        /// Sends <paramref name="command"/> with the batch: the reader of its result set, or null when it must run alone.
        /// The first loader to submit sends the batch once it may leave.
        /// </summary>
        public async Task<DbDataReader?> SubmitAsync(DbCommand command)
        {
            if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            {
                return null;
            }

            Connection = command.Connection ?? throw new InvalidOperationException("The command has no connection.");
            CommandText = command.CommandText;
            Parameters = [.. command.Parameters.Cast<DbParameter>().Select(Clone)];
            bool sends;
            lock (batch._lock)
            {
                if (batch._left)
                {
                    return null;
                }

                sends = batch._submitted.Count == 0;
                batch._submitted.Add(this);
            }

            Arrive();
#pragma warning disable VSTHRD003 // signals completed by the batch of this loader's own group, never by a foreign context
            if (sends)
            {
                await batch.SendAsync(await batch._leave.Task.ConfigureAwait(false)).ConfigureAwait(false);
            }

            return await _result.Task.ConfigureAwait(false);
#pragma warning restore VSTHRD003
        }

        /// <summary>The loader runs its statements on its own connection: it sends nothing with the batch.</summary>
        public void Leave() => Interlocked.CompareExchange(ref _state, 2, 0);

        /// <summary>The loader has finished (or left): the batch no longer waits for it. Called once it ends, whatever happened.</summary>
        public void Arrive()
        {
            if (Interlocked.Exchange(ref _arrived, 1) == 0)
            {
                batch.Arrive();
            }
        }

        public void Deliver(DbDataReader? reader)
        {
            _reader = reader as BatchResultReader;
            _result.TrySetResult(reader);
        }

        /// <summary>
        /// Closes this slot's result set if its loader left it open, so the batch moves on to the next loader: EF Core
        /// does not dispose a reader when an interceptor after this one throws, and a retry runs on its own connection.
        /// </summary>
        public ValueTask ReleaseAsync() => _reader is { IsClosed: false } reader ? reader.DisposeAsync() : ValueTask.CompletedTask;

        public void Fail(Exception error) => _result.TrySetException(error);

        private static DbParameter Clone(DbParameter parameter) => parameter is ICloneable cloneable
            ? (DbParameter)cloneable.Clone()
            : throw new InvalidOperationException($"{parameter.GetType().Name} cannot be cloned for a batch.");
    }

    /// <summary>Restores the flow's previous slot when disposed.</summary>
    internal readonly struct Scope(Slot? previous) : IDisposable
    {
        public void Dispose() => CurrentSlot.Value = previous;
    }
}
