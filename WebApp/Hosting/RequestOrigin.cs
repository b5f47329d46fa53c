using System.Net;

namespace WebApp.Hosting;

/// <summary>
/// What the connection said about a request, kept before any forwarded header changed it. A peer that
/// is a configured proxy reports the client it saw (X-Forwarded-For); anyone else is the client.
/// </summary>
/// <param name="Peer">The socket's remote address (IPv4-mapped addresses as IPv4).</param>
/// <param name="ViaTrustedProxy">The peer is a configured proxy.</param>
/// <param name="CarriesForwardingHeaders">The request arrived with any Forwarded, X-Forwarded-*, X-Original-* or X-Real-IP header.</param>
/// <param name="ReportedClient">The client address a trusted proxy reported and the app applied; null otherwise.</param>
public sealed record RequestOrigin(IPAddress? Peer, bool ViaTrustedProxy, bool CarriesForwardingHeaders, IPAddress? ReportedClient);
