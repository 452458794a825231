using Splitwise.Silo.Machines;
using Splitwise.Silo.Machines.Messages;

namespace Splitwise.Tests.Support;

/// <summary>A real token machine that counts the lease renewals it answered, so a test can step a manual clock in time with them.</summary>
public sealed class RenewCountingTokenMachine(ITokenMachine inner) : ITokenMachine
{
    private int _renewed, _refused;

    public MachineId Id => inner.Id;
    public MachineRole Role => inner.Role;

    /// <summary>Renewals answered true.</summary>
    public int Renewed => Volatile.Read(ref _renewed);

    /// <summary>Renewals answered false (reservation gone).</summary>
    public int Refused => Volatile.Read(ref _refused);

    public async Task<bool> RenewAsync(long requestId, CancellationToken cancellationToken)
    {
        bool renewed = await inner.RenewAsync(requestId, cancellationToken);
        Interlocked.Increment(ref renewed ? ref _renewed : ref _refused);
        return renewed;
    }

    public Task<KvReservationGrant> ReserveAsync(KvReservation reservation, CancellationToken cancellationToken) => inner.ReserveAsync(reservation, cancellationToken);

    public IAsyncEnumerable<GenerationEvent> DecodeAsync(DecodeOrder order, CancellationToken cancellationToken) => inner.DecodeAsync(order, cancellationToken);

    public Task ReleaseAsync(long requestId, CancellationToken cancellationToken) => inner.ReleaseAsync(requestId, cancellationToken);

    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerateOrder order, CancellationToken cancellationToken) => inner.GenerateAsync(order, cancellationToken);

    public ValueTask<MachineLoad> GetLoadAsync(CancellationToken cancellationToken) => inner.GetLoadAsync(cancellationToken);
}
