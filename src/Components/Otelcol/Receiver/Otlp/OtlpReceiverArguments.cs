using River.Components.Otelcol.Config;
using River.Values;

namespace River.Components.Otelcol.Receiver.Otlp;

/// <summary>Arguments of <c>otelcol.receiver.otlp</c>: a gRPC and/or an HTTP server, each started only when its block is present.</summary>
public sealed class OtlpReceiverArguments : IValidatable
{
    /// <summary>The OTLP/gRPC server (Alloy default endpoint 0.0.0.0:4317).</summary>
    [RiverBlock("grpc")]
    public GrpcServerArguments? Grpc { get; init; }

    /// <summary>The OTLP/HTTP server (Alloy default endpoint 0.0.0.0:4318).</summary>
    [RiverBlock("http")]
    public HttpServerArguments? Http { get; init; }

    /// <summary>Internal metrics options (accepted; see <see cref="DebugMetricsArguments"/>).</summary>
    [RiverBlock("debug_metrics")]
    public DebugMetricsArguments DebugMetrics { get; init; } = new();

    /// <summary>Where received data goes.</summary>
    [RiverBlock("output", Required = true)]
    public OutputArguments Output { get; init; } = new();

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        Grpc?.Validate(context);
        Http?.Validate(context);
        if (Grpc is not null && Http is not null && Grpc.Endpoint == Http.Endpoint)
        {
            context.Error("http", $"grpc and http cannot both listen on {Grpc.Endpoint}");
        }
    }
}

/// <summary>The <c>grpc</c> block of <c>otelcol.receiver.otlp</c>.</summary>
public sealed class GrpcServerArguments : IValidatable
{
    /// <summary>host:port to listen on.</summary>
    [River("endpoint")]
    public string Endpoint { get; init; } = "0.0.0.0:4317";

    /// <summary>Only "tcp" is supported.</summary>
    [River("transport")]
    public string Transport { get; init; } = "tcp";

    /// <summary>Largest request accepted; bigger ones get RESOURCE_EXHAUSTED.</summary>
    [River("max_recv_msg_size")]
    public string MaxRecvMsgSize { get; init; } = "4MiB";

    /// <summary>Pass request metadata on with the data (for <c>metadata_keys</c> of the batch processor).</summary>
    [River("include_metadata")]
    public bool IncludeMetadata { get; init; }

    /// <summary>Most concurrent calls per connection (HTTP/2 streams); unset leaves Kestrel's default (100).</summary>
    [River("max_concurrent_streams")]
    public int? MaxConcurrentStreams { get; init; }

    /// <summary>Accepted for compatibility: Kestrel sizes its own socket buffers.</summary>
    [River("read_buffer_size")]
    public string ReadBufferSize { get; init; } = "512KiB";

    /// <summary>Accepted for compatibility: Kestrel sizes its own socket buffers.</summary>
    [River("write_buffer_size")]
    public string? WriteBufferSize { get; init; }

    /// <summary>HTTP/2 keepalive: server pings and connection idle limit.</summary>
    [RiverBlock("keepalive")]
    public ServerKeepaliveArguments? Keepalive { get; init; }

    /// <summary>Server-side authentication: not supported yet (refused with a message rather than as an unknown attribute).</summary>
    [River("auth")]
    public AuthHandler? Auth { get; init; }

    /// <summary>TLS; plaintext (h2c) when absent.</summary>
    [RiverBlock("tls")]
    public TlsArguments? Tls { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (!EndpointParser.TryParseHostPort(Endpoint, out _, out _, out _))
        {
            context.Error("endpoint", $"endpoint \"{Endpoint}\" is not host:port");
        }

        if (MaxConcurrentStreams is < 1)
        {
            context.Error("max_concurrent_streams", "max_concurrent_streams must be at least 1");
        }

        foreach (var (name, size) in new[] { ("read_buffer_size", ReadBufferSize), ("write_buffer_size", WriteBufferSize) })
        {
            if (size is not null && !ByteSize.TryParse(size, out _))
            {
                context.Error(name, $"\"{size}\" is not a size such as 512KiB");
            }
        }

        Keepalive?.Validate(context);
        ServerAuth.Validate(Auth, context);
        if (Transport != "tcp")
        {
            context.Error("transport", $"unsupported transport \"{Transport}\"; only tcp is supported");
        }

        if (!ByteSize.TryParse(MaxRecvMsgSize, out _))
        {
            context.Error("max_recv_msg_size", $"\"{MaxRecvMsgSize}\" is not a size such as 4MiB");
        }

        ServerTls.Validate(Tls, context);
    }
}

/// <summary>The <c>http</c> block of <c>otelcol.receiver.otlp</c>.</summary>
public sealed class HttpServerArguments : IValidatable
{
    /// <summary>host:port to listen on.</summary>
    [River("endpoint")]
    public string Endpoint { get; init; } = "0.0.0.0:4318";

    /// <summary>Path of trace exports.</summary>
    [River("traces_url_path")]
    public string TracesUrlPath { get; init; } = "/v1/traces";

    /// <summary>Path of metric exports (not carried by River's pipeline yet: answered 404).</summary>
    [River("metrics_url_path")]
    public string MetricsUrlPath { get; init; } = "/v1/metrics";

    /// <summary>Path of log exports (not carried by River's pipeline yet: answered 404).</summary>
    [River("logs_url_path")]
    public string LogsUrlPath { get; init; } = "/v1/logs";

    /// <summary>Largest request body accepted (after decompression); bigger ones get 413.</summary>
    [River("max_request_body_size")]
    public string MaxRequestBodySize { get; init; } = "20MiB";

    /// <summary>Content encodings accepted.</summary>
    [River("compression_algorithms")]
    public IReadOnlyList<string> CompressionAlgorithms { get; init; } = ["", "gzip", "zstd", "zlib", "deflate"];

    /// <summary>Pass request headers on with the data.</summary>
    [River("include_metadata")]
    public bool IncludeMetadata { get; init; }

    /// <summary>When false every response closes its connection.</summary>
    [River("keep_alives_enabled")]
    public bool KeepAlivesEnabled { get; init; } = true;

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    [River("idle_timeout")]
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most time allowed to receive the request headers.</summary>
    [River("read_header_timeout")]
    public TimeSpan ReadHeaderTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most time allowed to read a whole request (zero: no limit); a body slower than this is cut.</summary>
    [River("read_timeout")]
    public TimeSpan ReadTimeout { get; init; }

    /// <summary>Accepted for compatibility; Kestrel has no whole-response write deadline (see docs/components/otelcol.md).</summary>
    [River("write_timeout")]
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Cross-origin requests from browsers; off unless <c>allowed_origins</c> is set.</summary>
    [RiverBlock("cors")]
    public CorsArguments? Cors { get; init; }

    /// <summary>Server-side authentication: not supported yet (refused with a message rather than as an unknown attribute).</summary>
    [River("auth")]
    public AuthHandler? Auth { get; init; }

    /// <summary>TLS; plaintext when absent.</summary>
    [RiverBlock("tls")]
    public TlsArguments? Tls { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (!EndpointParser.TryParseHostPort(Endpoint, out _, out _, out _))
        {
            context.Error("endpoint", $"endpoint \"{Endpoint}\" is not host:port");
        }

        foreach (var (name, value) in new[] { ("idle_timeout", IdleTimeout), ("read_header_timeout", ReadHeaderTimeout), ("read_timeout", ReadTimeout), ("write_timeout", WriteTimeout) })
        {
            if (value < TimeSpan.Zero)
            {
                context.Error(name, name + " must not be negative");
            }
        }

        Cors?.Validate(context);
        ServerAuth.Validate(Auth, context);

        if (!TracesUrlPath.StartsWith('/'))
        {
            context.Error("traces_url_path", "traces_url_path must start with /");
        }

        if (!ByteSize.TryParse(MaxRequestBodySize, out _))
        {
            context.Error("max_request_body_size", $"\"{MaxRequestBodySize}\" is not a size such as 20MiB");
        }

        foreach (var algorithm in CompressionAlgorithms)
        {
            if (algorithm is not ("" or "gzip" or "zstd" or "zlib" or "deflate" or "snappy" or "lz4"))
            {
                context.Error("compression_algorithms", $"unknown compression algorithm \"{algorithm}\"");
            }
        }

        ServerTls.Validate(Tls, context);
    }
}

/// <summary>The <c>keepalive</c> block of the gRPC server: two inner blocks, as in Alloy.</summary>
public sealed class ServerKeepaliveArguments : IValidatable
{
    /// <summary>Server pings and connection age limits.</summary>
    [RiverBlock("server_parameters")]
    public KeepaliveServerParameters? ServerParameters { get; init; }

    /// <summary>What the server tolerates from client pings.</summary>
    [RiverBlock("enforcement_policy")]
    public KeepaliveEnforcementPolicy? EnforcementPolicy { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        ServerParameters?.Validate(context);
        EnforcementPolicy?.Validate(context);
    }
}

/// <summary>
/// <c>keepalive &gt; server_parameters</c>. Durations are strings because Alloy documents <c>"infinity"</c> as the
/// default of the three connection limits; <c>"infinity"</c> or <c>"0s"</c> means no limit.
/// </summary>
public sealed class KeepaliveServerParameters : IValidatable
{
    /// <summary>Close a connection that had no call for this long (Kestrel's keep-alive timeout).</summary>
    [River("max_connection_idle")]
    public string MaxConnectionIdle { get; init; } = "infinity";

    /// <summary>Ask a connection to go away (GOAWAY) once it is this old, ±10 %; calls in flight finish.</summary>
    [River("max_connection_age")]
    public string MaxConnectionAge { get; init; } = "infinity";

    /// <summary>Cut a connection this long after it was asked to go away.</summary>
    [River("max_connection_age_grace")]
    public string MaxConnectionAgeGrace { get; init; } = "infinity";

    /// <summary>Ping a client after this long without any frame from it (HTTP/2 PING).</summary>
    [River("time")]
    public TimeSpan Time { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Close the connection when a ping is not answered within this time.</summary>
    [River("timeout")]
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        foreach (var (name, text) in new[] { ("max_connection_idle", MaxConnectionIdle), ("max_connection_age", MaxConnectionAge), ("max_connection_age_grace", MaxConnectionAgeGrace) })
        {
            if (!TryParseLimit(text, out _))
            {
                context.Error(name, $"\"{text}\" is not a duration such as \"5m\" or \"infinity\"");
            }
        }

        if (Time <= TimeSpan.Zero)
        {
            context.Error("time", "time must be positive");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            context.Error("timeout", "timeout must be positive");
        }
    }

    /// <summary>Parses a connection limit: null for <c>"infinity"</c> or zero, else the duration.</summary>
    public static bool TryParseLimit(string text, out TimeSpan? limit)
    {
        limit = null;
        if (text is "infinity" or "")
        {
            return true;
        }

        if (!GoDuration.TryParse(text, out var value, out _) || value < TimeSpan.Zero)
        {
            return false;
        }

        limit = value == TimeSpan.Zero ? null : value;
        return true;
    }
}

/// <summary><c>keepalive &gt; enforcement_policy</c>: accepted; Kestrel applies its own ping-flood protection instead.</summary>
public sealed class KeepaliveEnforcementPolicy : IValidatable
{
    /// <summary>Shortest interval between client pings the server tolerates.</summary>
    [River("min_time")]
    public TimeSpan MinTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether client pings are tolerated while no call is active.</summary>
    [River("permit_without_stream")]
    public bool PermitWithoutStream { get; init; }

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        if (MinTime < TimeSpan.Zero)
        {
            context.Error("min_time", "min_time must not be negative");
        }
    }
}

/// <summary>The <c>cors</c> block of the HTTP server (the Collector's confighttp CORS settings, rs/cors semantics).</summary>
public sealed class CorsArguments : IValidatable
{
    /// <summary>Origins allowed to send; each may hold one <c>*</c> wildcard (<c>https://*.example.com</c>), or be <c>*</c> alone.</summary>
    [River("allowed_origins")]
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Request headers a browser may send besides the always-allowed ones; <c>*</c> allows any.</summary>
    [River("allowed_headers")]
    public IReadOnlyList<string> AllowedHeaders { get; init; } = ["X-Requested-With"];

    /// <summary>Response headers exposed to the page (Access-Control-Expose-Headers).</summary>
    [River("exposed_headers")]
    public IReadOnlyList<string> ExposedHeaders { get; init; } = [];

    /// <summary>Seconds a browser may cache a preflight answer (Access-Control-Max-Age); unset sends none.</summary>
    [River("max_age")]
    public int? MaxAge { get; init; }

    /// <summary>Headers always allowed, as rs/cors (which the Collector uses) allows them.</summary>
    public static IReadOnlyList<string> AlwaysAllowedHeaders { get; } = ["Accept", "Accept-Language", "Content-Type", "Content-Language", "Origin"];

    /// <inheritdoc />
    public void Validate(ValidationContext context)
    {
        foreach (var origin in AllowedOrigins)
        {
            if (origin.Count(c => c == '*') > 1)
            {
                context.Error("allowed_origins", $"origin \"{origin}\" has more than one * wildcard");
            }
        }

        if (MaxAge is < 0)
        {
            context.Error("max_age", "max_age must not be negative");
        }
    }

    /// <summary>Whether <paramref name="origin"/> matches one of <see cref="AllowedOrigins"/> (case-insensitive, one <c>*</c> wildcard).</summary>
    public bool IsOriginAllowed(string origin)
    {
        foreach (var pattern in AllowedOrigins)
        {
            var star = pattern.IndexOf('*', StringComparison.Ordinal);
            if (star < 0)
            {
                if (string.Equals(pattern, origin, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (origin.Length >= pattern.Length - 1
                && origin.StartsWith(pattern[..star], StringComparison.OrdinalIgnoreCase)
                && origin.EndsWith(pattern[(star + 1)..], StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

internal static class ServerAuth
{
    public static void Validate(AuthHandler? auth, ValidationContext context)
    {
        if (auth is not null)
        {
            context.Error("auth", "receiver authentication is not supported by River yet; remove auth or put an authenticating proxy in front");
        }
    }
}

internal static class ServerTls
{
    public static void Validate(TlsArguments? tls, ValidationContext context)
    {
        if (tls is null)
        {
            return;
        }

        tls.Validate(context);
        if ((tls.CertFile ?? tls.CertPem) is null)
        {
            context.Error("tls", "a server tls block needs cert_file or cert_pem (and the key)");
        }
    }
}
