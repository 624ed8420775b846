using River.Values;

namespace River.Components.Otelcol.Config;

/// <summary>The <c>client</c> block of <c>otelcol.exporter.otlp</c> (Collector's configgrpc client settings).</summary>
public sealed class GrpcClientArguments : IValidatable
{
    /// <summary>Where to send: <c>host:port</c>; an <c>http://</c> or <c>https://</c> prefix is accepted and stripped.</summary>
    [River("endpoint", Required = true)]
    public string Endpoint { get; init; } = "";

    /// <summary>Request compression: gzip (default), zstd, or none/"".</summary>
    [River("compression")]
    public string Compression { get; init; } = "gzip";

    /// <summary>Extra gRPC metadata on every call.</summary>
    [River("headers")]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Overrides the <c>:authority</c> pseudo-header.</summary>
    [River("authority")]
    public string? Authority { get; init; }

    /// <summary>Load-balancing policy; one connection is used, so this is accepted for compatibility.</summary>
    [River("balancer_name")]
    public string BalancerName { get; init; } = "round_robin";

    /// <summary>When true, a call waits for the connection instead of failing fast while it is down.</summary>
    [River("wait_for_ready")]
    public bool WaitForReady { get; init; }

    /// <summary>The <c>handler</c> of an <c>otelcol.auth.*</c> component: its header goes on every call.</summary>
    [River("auth")]
    public AuthHandler? Auth { get; init; }

    /// <summary>Accepted for compatibility: SocketsHttpHandler sizes its own socket buffers.</summary>
    [River("read_buffer_size")]
    public string? ReadBufferSize { get; init; }

    /// <summary>Accepted for compatibility: SocketsHttpHandler sizes its own socket buffers.</summary>
    [River("write_buffer_size")]
    public string WriteBufferSize { get; init; } = "512KiB";

    /// <summary>TLS settings; TLS is on unless <c>insecure = true</c>.</summary>
    [RiverBlock("tls")]
    public TlsArguments Tls { get; init; } = new();

    /// <summary>HTTP/2 keepalive pings; off unless the block is present.</summary>
    [RiverBlock("keepalive")]
    public KeepaliveArguments? Keepalive { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (string.IsNullOrWhiteSpace(Endpoint))
        {
            context.Error("endpoint", "endpoint must not be empty");
        }
        else if (!EndpointParser.TryParseHostPort(Endpoint, out _, out _, out _))
        {
            context.Error("endpoint", $"endpoint \"{Endpoint}\" is not host:port");
        }

        if (Compression is not ("gzip" or "zstd" or "none" or ""))
        {
            context.Error("compression", $"unsupported compression \"{Compression}\"; use gzip, zstd or none");
        }

        foreach (var (name, size) in new[] { ("read_buffer_size", ReadBufferSize), ("write_buffer_size", WriteBufferSize) })
        {
            if (size is not null && !ByteSize.TryParse(size, out _))
            {
                context.Error(name, $"\"{size}\" is not a size such as 512KiB");
            }
        }

        if (BalancerName is not ("round_robin" or "pick_first" or ""))
        {
            context.Error("balancer_name", $"unknown balancer \"{BalancerName}\"; use round_robin or pick_first");
        }

        Tls.Validate(context);
    }

    /// <summary>Whether the connection uses TLS: off with <c>insecure</c>, forced on by an <c>https://</c> prefix.</summary>
    public bool UsesTls => Endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || !Tls.Insecure;
}

/// <summary>The <c>keepalive</c> block of a gRPC client.</summary>
public sealed class KeepaliveArguments
{
    /// <summary>Ping the server after this long without activity.</summary>
    [River("ping_wait")]
    public TimeSpan PingWait { get; init; }

    /// <summary>Close the connection when a ping is not answered within this time.</summary>
    [River("ping_response_timeout")]
    public TimeSpan PingResponseTimeout { get; init; }

    /// <summary>Also ping while no call is active.</summary>
    [River("ping_without_stream")]
    public bool PingWithoutStream { get; init; }
}

/// <summary>Parses endpoints written as <c>host:port</c>, <c>[v6]:port</c>, optionally with a scheme.</summary>
public static class EndpointParser
{
    /// <summary>Splits <paramref name="endpoint"/>; <paramref name="scheme"/> is "http", "https" or "" when absent.</summary>
    public static bool TryParseHostPort(string endpoint, out string host, out int port, out string scheme)
    {
        scheme = "";
        var text = endpoint.Trim();
        foreach (var prefix in (ReadOnlySpan<string>)["http://", "https://"])
        {
            if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                scheme = prefix[..^3];
                text = text[prefix.Length..].TrimEnd('/');
                break;
            }
        }

        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }

        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port)
            && port is > 0 and < 65536 && host.Length > 0;
    }
}
