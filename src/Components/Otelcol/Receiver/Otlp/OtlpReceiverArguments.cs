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
