using System.Net;
using System.Net.Sockets;

namespace River.Http;

/// <summary>
/// Builds the <see cref="HttpMessageHandler"/> every component receives: requests whose host is River's in-memory
/// address (<c>river.internal:12345</c>, or Alloy's <c>alloy.internal:12345</c>) connect through
/// <see cref="InMemoryTransport"/>; everything else connects through a TCP socket as usual.
/// </summary>
public sealed class InMemoryHttpHandler
{
    private long _socketConnections;

    /// <summary>Creates the handler factory for <paramref name="transport"/>.</summary>
    public InMemoryHttpHandler(InMemoryTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Transport = transport;
        var (host, port) = SplitAddress(transport.EndPoint.Address);
        Port = port;
        Hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { host, "river.internal", "alloy.internal" };
        Handler = new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,

            // A proxy from the environment would turn river.internal into a proxy dial; in-memory targets never leave
            // the process, and River's own scrapes go to explicit targets.
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        };
    }

    /// <summary>The transport behind the in-memory connections.</summary>
    public InMemoryTransport Transport { get; }

    /// <summary>The handler to give to components (<see cref="Runtime.ComponentOptions.HttpHandler"/>).</summary>
    public SocketsHttpHandler Handler { get; }

    /// <summary>Host names treated as in-memory.</summary>
    public IReadOnlySet<string> Hosts { get; }

    /// <summary>The in-memory port.</summary>
    public int Port { get; }

    /// <summary>How many TCP connections the handler opened (in-memory requests never add to it).</summary>
    public long SocketConnections => Interlocked.Read(ref _socketConnections);

    /// <summary>True when <paramref name="host"/>:<paramref name="port"/> is River's in-memory address.</summary>
    public bool IsInMemory(string host, int port) => port == Port && Hosts.Contains(host);

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        if (IsInMemory(endpoint.Host, endpoint.Port))
        {
            return Transport.Connect();
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _socketConnections);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Splits <c>host:port</c>; throws <see cref="FormatException"/> when the port is missing or bad.</summary>
    public static (string Host, int Port) SplitAddress(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 0 or > 65535)
        {
            throw new FormatException($"address \"{address}\" must be host:port");
        }

        return (address[..colon].Trim('[', ']'), port);
    }
}
