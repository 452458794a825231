using System.IO.Pipelines;

namespace Splitwise.Silo.KvTransfer;

/// <summary>
/// Opens byte connections to token machines' KV endpoints: TCP between processes, in-memory pipes inside one.
/// The frames, handshake and acknowledgements on top are the same either way.
/// </summary>
public interface IKvTransport
{
    ValueTask<IDuplexPipe> ConnectAsync(string endpoint, CancellationToken cancellationToken);
}
