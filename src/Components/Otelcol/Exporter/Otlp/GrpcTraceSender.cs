using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using River.Components.Otelcol.Config;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Otlp.Rpc;
using River.Components.Telemetry.Traces;
using RpcStatus = River.Components.Telemetry.Otlp.Rpc.Status;

namespace River.Components.Otelcol.Exporter.Otlp;

/// <summary>
/// Sends OTLP trace requests with Grpc.Net.Client over a <see cref="SocketsHttpHandler"/> configured from the
/// <c>client</c> block (TLS, client certificate, keepalive, authority), and classifies gRPC status codes as the OTLP
/// specification says.
/// </summary>
internal sealed class GrpcTraceSender : ITraceSender
{
    private const string RetryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly Metadata _headers;
    private readonly bool _waitForReady;

    public GrpcTraceSender(GrpcClientArguments client)
    {
        EndpointParser.TryParseHostPort(client.Endpoint, out var host, out var port, out _);
        var tls = client.UsesTls;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (tls)
        {
            handler.SslOptions = client.Tls.ClientOptions(host);
        }

        if (client.Keepalive is { } keepalive && keepalive.PingWait > TimeSpan.Zero)
        {
            handler.KeepAlivePingDelay = keepalive.PingWait;
            handler.KeepAlivePingTimeout = keepalive.PingResponseTimeout > TimeSpan.Zero ? keepalive.PingResponseTimeout : TimeSpan.FromSeconds(20);
            handler.KeepAlivePingPolicy = keepalive.PingWithoutStream ? HttpKeepAlivePingPolicy.Always : HttpKeepAlivePingPolicy.WithActiveRequests;
        }

        HttpMessageHandler outer = string.IsNullOrEmpty(client.Authority) ? handler : new AuthorityHandler(client.Authority, handler);
        var bracketed = host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host;
        var address = new Uri((tls ? "https://" : "http://") + bracketed + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = outer,
            DisposeHttpClient = true,
            CompressionProviders = [new GzipCompressionProvider(CompressionLevel.Fastest), new ZstdCompressionProvider()],

            // Retries are ours (exporterhelper semantics); the client library must not add its own.
            MaxRetryAttempts = 0,
            MaxSendMessageSize = null,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        });
        _invoker = _channel.CreateCallInvoker();
        _waitForReady = client.WaitForReady;
        _headers = [];
        foreach (var (key, value) in client.Headers)
        {
            _headers.Add(key.ToLowerInvariant(), value);
        }

        if (client.Auth is { } auth)
        {
            _headers.Add(auth.HeaderName, auth.HeaderValue());
        }

        if (client.Compression is "gzip" or "zstd")
        {
            // Grpc.Net.Client compresses a request when this call header names a registered provider.
            _headers.Add("grpc-internal-encoding-request", client.Compression);
        }
    }

    public async Task<SendResult> SendAsync(ExportTraceServiceRequest request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var options = new CallOptions(_headers, DateTime.UtcNow + timeout, cancellationToken).WithWaitForReady(_waitForReady);
            var response = await _invoker.AsyncUnaryCall(ExportMethod, null, options, request).ResponseAsync.ConfigureAwait(false);
            return response.PartialSuccess is { } partial
                ? new SendResult(SendOutcome.Success, partial.ErrorMessage, RejectedSpans: partial.RejectedSpans)
                : SendResult.Ok;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return Classify(ex);
        }
    }

    /// <summary>OTLP/gRPC retry rules (spec "Failures"): retryable codes, RESOURCE_EXHAUSTED only with RetryInfo.</summary>
    internal static SendResult Classify(RpcException ex)
    {
        var retryDelay = RetryDelay(ex.Trailers);
        var message = $"rpc error: code = {ex.StatusCode} desc = {ex.Status.Detail}";
        var retryable = ex.StatusCode switch
        {
            StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.OutOfRange
                or StatusCode.Unavailable or StatusCode.DataLoss => true,
            StatusCode.ResourceExhausted => retryDelay is not null,
            _ => false,
        };
        return new SendResult(retryable ? SendOutcome.Retryable : SendOutcome.Permanent, message, retryDelay);
    }

    private static TimeSpan? RetryDelay(Metadata trailers)
    {
        var details = trailers.GetValueBytes("grpc-status-details-bin");
        if (details is null)
        {
            return null;
        }

        try
        {
            var status = RpcStatus.Parser.ParseFrom(details);
            foreach (var detail in status.Details)
            {
                if (detail.TypeUrl == RetryInfoType)
                {
                    return RetryInfo.Parser.ParseFrom(detail.Value).RetryDelay?.ToTimeSpan();
                }
            }
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // A malformed detail is ignored: the code alone decides.
        }

        return null;
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>
    /// TraceService/Export with River's encoder: the request is written straight into the gRPC message buffer by
    /// <see cref="OtlpTraceEncoder"/> instead of Google.Protobuf's generated serializer (see the encoder for why).
    /// </summary>
    internal static Method<ExportTraceServiceRequest, ExportTraceServiceResponse> ExportMethod { get; } = new(
        MethodType.Unary,
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "Export",
        Marshallers.Create<ExportTraceServiceRequest>(SerializeRequest, static _ => throw new NotSupportedException("the exporter never reads requests")),
        Marshallers.Create(static (ExportTraceServiceResponse _, SerializationContext _) => throw new NotSupportedException("the exporter never writes responses"), static context => ExportTraceServiceResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    private static void SerializeRequest(ExportTraceServiceRequest request, SerializationContext context)
    {
        // Measuring first lets the gRPC layer size its buffer once (and frame it) before a single byte is written.
        var encoder = OtlpTraceEncoder.Rent();
        var size = encoder.Measure(request);
        context.SetPayloadLength(size);
        var writer = context.GetBufferWriter();
        var span = writer.GetSpan(size);
        if (span.Length >= size)
        {
            encoder.Write(request, span);
            writer.Advance(size);
        }
        else
        {
            encoder.Write(request, writer);
        }

        context.Complete();
    }

    /// <summary>Sets the HTTP/2 <c>:authority</c> (the Host header of the request) to the configured value.</summary>
    private sealed class AuthorityHandler(string authority, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = authority;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>zstd for gRPC messages (<c>grpc-encoding: zstd</c>), through ZstdSharp.</summary>
internal sealed class ZstdCompressionProvider : ICompressionProvider
{
    public string EncodingName => "zstd";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new ZstdSharp.CompressionStream(stream, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new ZstdSharp.DecompressionStream(stream, leaveOpen: true);
}
