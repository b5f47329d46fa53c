using System.Collections;
using System.Data.Common;

namespace Upfront.EntityFrameworkCore;

/// <summary>
/// One loader's result set of a batch, read through the batch's reader: it ends where that result set ends, and
/// disposing it hands the batch on to the next loader (<see cref="LoadBatch"/>).
/// </summary>
internal sealed class BatchResultReader(DbDataReader reader, Func<ValueTask> nextAsync, Action next) : DbDataReader
{
    private int _closed;

    public override int Depth => reader.Depth;

    public override int FieldCount => reader.FieldCount;

    public override bool HasRows => reader.HasRows;

    public override bool IsClosed => Volatile.Read(ref _closed) != 0;

    public override int RecordsAffected => reader.RecordsAffected;

    public override object this[int ordinal] => reader[ordinal];

    public override object this[string name] => reader[name];

    public override bool GetBoolean(int ordinal) => reader.GetBoolean(ordinal);

    public override byte GetByte(int ordinal) => reader.GetByte(ordinal);

    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => reader.GetBytes(ordinal, dataOffset, buffer, bufferOffset, length);

    public override char GetChar(int ordinal) => reader.GetChar(ordinal);

    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => reader.GetChars(ordinal, dataOffset, buffer, bufferOffset, length);

    public override string GetDataTypeName(int ordinal) => reader.GetDataTypeName(ordinal);

    public override DateTime GetDateTime(int ordinal) => reader.GetDateTime(ordinal);

    public override decimal GetDecimal(int ordinal) => reader.GetDecimal(ordinal);

    public override double GetDouble(int ordinal) => reader.GetDouble(ordinal);

    public override Type GetFieldType(int ordinal) => reader.GetFieldType(ordinal);

    public override float GetFloat(int ordinal) => reader.GetFloat(ordinal);

    public override Guid GetGuid(int ordinal) => reader.GetGuid(ordinal);

    public override short GetInt16(int ordinal) => reader.GetInt16(ordinal);

    public override int GetInt32(int ordinal) => reader.GetInt32(ordinal);

    public override long GetInt64(int ordinal) => reader.GetInt64(ordinal);

    public override string GetName(int ordinal) => reader.GetName(ordinal);

    public override int GetOrdinal(string name) => reader.GetOrdinal(name);

    public override string GetString(int ordinal) => reader.GetString(ordinal);

    public override object GetValue(int ordinal) => reader.GetValue(ordinal);

    public override int GetValues(object[] values) => reader.GetValues(values);

    public override T GetFieldValue<T>(int ordinal) => reader.GetFieldValue<T>(ordinal);

    public override Task<T> GetFieldValueAsync<T>(int ordinal, CancellationToken cancellationToken) => reader.GetFieldValueAsync<T>(ordinal, cancellationToken);

    public override bool IsDBNull(int ordinal) => reader.IsDBNull(ordinal);

    public override Task<bool> IsDBNullAsync(int ordinal, CancellationToken cancellationToken) => reader.IsDBNullAsync(ordinal, cancellationToken);

    public override bool Read() => !IsClosed && reader.Read();

    public override Task<bool> ReadAsync(CancellationToken cancellationToken) => IsClosed ? Task.FromResult(false) : reader.ReadAsync(cancellationToken);

    /// <summary>A loader's result set is one: the next belongs to another loader.</summary>
    public override bool NextResult() => false;

    /// <inheritdoc cref="NextResult"/>
    public override Task<bool> NextResultAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public override IEnumerator GetEnumerator() => new DbEnumerator(this, closeReader: false);

    public override void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            next();
        }
    }

    public override async Task CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            await nextAsync().ConfigureAwait(false);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Close();
        }

        base.Dispose(disposing);
    }
}
