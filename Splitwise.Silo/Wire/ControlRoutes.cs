namespace Splitwise.Silo.Wire;

/// <summary>
/// The silo's control API, served on --listen. Everything except <see cref="Health"/> needs the cluster secret in
/// <see cref="ClusterSecret.HeaderName"/>. Bodies and answers are <see cref="SiloJson"/>; the two streaming verbs
/// answer application/x-ndjson, one <see cref="EventLine"/> per line.
/// </summary>
public static class ControlRoutes
{
    /// <summary>GET: the process answers (open, for health checks).</summary>
    public const string Health = "/health";
    /// <summary>GET: <see cref="MachineInfo"/>.</summary>
    public const string Info = "/machine";
    /// <summary>GET: the machine's <see cref="Machines.MachineLoad"/>.</summary>
    public const string Load = "/machine/load";
    /// <summary>POST <see cref="Machines.Messages.GenerateOrder"/>: streamed events. Every role.</summary>
    public const string Generate = "/machine/generate";
    /// <summary>POST <see cref="Machines.Messages.PrefillOrder"/>: a <see cref="Machines.Messages.PrefillResult"/>. Prompt and mixed.</summary>
    public const string Prefill = "/machine/prefill";
    /// <summary>POST <see cref="Machines.Messages.KvReservation"/>: a <see cref="Machines.Messages.KvReservationGrant"/>. Token and mixed.</summary>
    public const string Reserve = "/machine/reserve";
    /// <summary>POST <see cref="Machines.Messages.DecodeOrder"/>: streamed events. Token and mixed.</summary>
    public const string Decode = "/machine/decode";
    /// <summary>POST <see cref="RenewOrder"/>: a <see cref="RenewReply"/>; extends a reservation's lease while its prefill is in flight. Token and mixed.</summary>
    public const string Renew = "/machine/renew";
    /// <summary>POST <see cref="ReleaseOrder"/>: the order back once the blocks are free. Token and mixed.</summary>
    public const string Release = "/machine/release";

    public const string NdjsonMediaType = "application/x-ndjson";
}
