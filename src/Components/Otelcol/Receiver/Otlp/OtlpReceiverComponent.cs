using System.IO.Compression;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using River.Components.Otelcol.Config;
using River.Components.Telemetry.Otlp.Collector.Trace;
using River.Components.Telemetry.Traces;
using River.Runtime;

namespace River.Components.Otelcol.Receiver.Otlp;

/// <summary>
/// <c>otelcol.receiver.otlp</c>: OTLP/gRPC and OTLP/HTTP servers of its own (Kestrel) that push received spans into
/// <c>output.traces</c>. A consumer refusing the data becomes a retryable error for the client (UNAVAILABLE / 503); a
/// consumer refusing part of it becomes a partial-success answer.
/// </summary>
public sealed class OtlpReceiverComponent : IComponent, IHealthReporter
{
    private readonly ComponentOptions _options;
    private volatile OtlpReceiverArguments _arguments;
    private volatile TracesFanout _output;
    private TaskCompletionSource _restart = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the receiver; the servers start in <see cref="RunAsync"/>.</summary>
    public OtlpReceiverComponent(ComponentOptions options, OtlpReceiverArguments arguments)
    {
        _options = options;
        _arguments = arguments;
        _output = new TracesFanout(arguments.Output.Traces);
        Metrics = ReceiverMetrics.Create(options.Registry, options.Id);
    }

    /// <summary>The catalog entry.</summary>
    public static ComponentRegistration Registration { get; } = new(
        "otelcol.receiver.otlp",
        typeof(OtlpReceiverArguments),
        null,
        StabilityLevel.GenerallyAvailable,
        static (options, arguments) => new OtlpReceiverComponent(options, (OtlpReceiverArguments)arguments));

    /// <summary>The component's metrics.</summary>
    internal ReceiverMetrics Metrics { get; }

    /// <summary>Completes when the servers listen (tests wait for it).</summary>
    internal Task Started => _started.Task;

    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Unhealthy until the servers listen, so the runtime (and <c>/api/v0/web/components</c>) does not call the receiver
    /// healthy while a client sending to its port would still be refused.
    /// </summary>
    public ComponentHealth CurrentHealth => Volatile.Read(ref _health);

    private ComponentHealth _health = new(HealthState.Unknown, "starting the OTLP servers", DateTimeOffset.UtcNow);

    /// <inheritdoc />
    public void Update(object arguments)
    {
        var args = (OtlpReceiverArguments)arguments;
        var serversChanged = !SameServers(args, _arguments);
        _output = new TracesFanout(args.Output.Traces);
        _arguments = args;
        if (serversChanged)
        {
            // New endpoints or TLS: the run loop stops the servers and starts them again.
            _restart.TrySetResult();
        }
    }

    /// <inheritdoc />
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var restart = _restart = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var arguments = _arguments;
            if (arguments.Grpc is null && arguments.Http is null)
            {
                Volatile.Write(ref _health, ComponentHealth.Healthy("no server configured"));
                _started.TrySetResult();
                await Task.WhenAny(restart.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
                continue;
            }

            // One Kestrel server per protocol: connection limits (keepalive, idle timeouts) are per server in Kestrel,
            // and the grpc and http blocks set them differently.
            var apps = new List<WebApplication>();
            if (arguments.Grpc is { } grpcArgs)
            {
                apps.Add(BuildGrpc(grpcArgs));
            }

            if (arguments.Http is { } httpArgs)
            {
                apps.Add(BuildHttp(httpArgs));
            }

            try
            {
                foreach (var app in apps)
                {
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                _options.Logger.LogError(ex, "cannot start the OTLP receiver servers");
                Volatile.Write(ref _health, ComponentHealth.Unhealthy("cannot start the OTLP servers: " + ex.Message));
                await StopAllAsync(apps).ConfigureAwait(false);
                throw;
            }

            Volatile.Write(ref _health, ComponentHealth.Healthy("listening"));
            _started.TrySetResult();
            await Task.WhenAny(restart.Task, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
            Volatile.Write(ref _health, new ComponentHealth(HealthState.Unknown, "restarting the OTLP servers", DateTimeOffset.UtcNow));
            await StopAllAsync(apps).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested)
            {
                _started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private static async Task StopAllAsync(List<WebApplication> apps)
    {
        foreach (var app in apps)
        {
            try
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Never started (a start failure of an earlier server).
            }

            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Pushes one request into the pipeline and builds the answer: full success, partial success, or an error status
    /// (Unavailable: the client should retry).
    /// </summary>
    internal async Task<ExportTraceServiceResponse> IngestAsync(ExportTraceServiceRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>>? metadata, CancellationToken cancellationToken)
    {
        var spans = request.SpanCount();
        using var scope = metadata is null ? null : ClientMetadata.Attach(metadata);
        try
        {
            await _output.ConsumeTracesAsync(request, cancellationToken).ConfigureAwait(false);
            Metrics.ReceiverAcceptedSpans.Inc(spans);
            return new ExportTraceServiceResponse();
        }
        catch (TracesRejectedException ex) when (ex.RejectedSpans > 0 && ex.RejectedSpans < spans)
        {
            Metrics.ReceiverAcceptedSpans.Inc(spans - ex.RejectedSpans);
            Metrics.ReceiverRefusedSpans.Inc(ex.RejectedSpans);
            return new ExportTraceServiceResponse
            {
                PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = ex.RejectedSpans, ErrorMessage = ex.Message },
            };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Metrics.ReceiverRefusedSpans.Inc(spans);
            throw new RpcException(new Status(StatusCode.Unavailable, "data refused by the pipeline: " + ex.Message));
        }
    }

    private WebApplicationBuilder NewBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_options.Logger));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRouting();
        builder.Services.AddSingleton(this);
        return builder;
    }

    private WebApplication BuildGrpc(GrpcServerArguments grpc)
    {
        var builder = NewBuilder();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var serverParameters = grpc.Keepalive?.ServerParameters ?? new KeepaliveServerParameters();
            KeepaliveServerParameters.TryParseLimit(serverParameters.MaxConnectionAge, out var maxAge);
            KeepaliveServerParameters.TryParseLimit(serverParameters.MaxConnectionAgeGrace, out var ageGrace);
            Listen(kestrel, grpc.Endpoint, grpc.Tls, grpc.Tls is null ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2, maxAge is { } age ? listen => LimitConnectionAge(listen, age, ageGrace) : null);
            if (grpc.MaxConcurrentStreams is { } streams)
            {
                kestrel.Limits.Http2.MaxStreamsPerConnection = streams;
            }

            // grpc-go's defaults: no idle limit, and a server ping after 2 h of silence answered within 20 s.
            var parameters = grpc.Keepalive?.ServerParameters ?? new KeepaliveServerParameters();
            KeepaliveServerParameters.TryParseLimit(parameters.MaxConnectionIdle, out var idle);
            kestrel.Limits.KeepAliveTimeout = idle ?? NoTimeout;

            // Kestrel refuses ping intervals under a second (its timers tick once a second).
            kestrel.Limits.Http2.KeepAlivePingDelay = parameters.Time < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : parameters.Time;
            kestrel.Limits.Http2.KeepAlivePingTimeout = parameters.Timeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : parameters.Timeout;
        });
        ByteSize.TryParse(grpc.MaxRecvMsgSize, out var max);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = (int)Math.Min(max, int.MaxValue);
            o.EnableDetailedErrors = true;

            // gzip is what every OTLP server must take; zstd is what the Collector also offers.
            o.CompressionProviders = [new Grpc.Net.Compression.GzipCompressionProvider(CompressionLevel.Fastest), new Exporter.Otlp.ZstdCompressionProvider()];
        });

        var app = builder.Build();
        app.UseRouting();
        app.MapGrpcService<OtlpGrpcTraceService>();
        return app;
    }

    private WebApplication BuildHttp(HttpServerArguments http)
    {
        var builder = NewBuilder();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Plaintext h2c cannot share a port with HTTP/1.1, and OTLP/HTTP clients speak HTTP/1.1.
            Listen(kestrel, http.Endpoint, http.Tls, http.Tls is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2);
            kestrel.Limits.KeepAliveTimeout = http.IdleTimeout > TimeSpan.Zero ? http.IdleTimeout : NoTimeout;
            kestrel.Limits.RequestHeadersTimeout = http.ReadHeaderTimeout > TimeSpan.Zero ? http.ReadHeaderTimeout : NoTimeout;
        });
        if (http.Cors is { AllowedOrigins.Count: > 0 } cors)
        {
            builder.Services.AddCors(o => o.AddPolicy(CorsPolicyName, policy => ConfigureCors(policy, cors)));
        }

        var app = builder.Build();
        app.UseRouting();
        var handler = new OtlpHttpHandler(this, http);
        var route = app.MapPost(http.TracesUrlPath, handler.HandleAsync);
        if (http.Cors is { AllowedOrigins.Count: > 0 })
        {
            // Endpoint routing answers the browser's OPTIONS preflight for a POST-only route once it carries CORS metadata.
            app.UseCors();
            route.RequireCors(CorsPolicyName);
        }

        return app;
    }

    private const string CorsPolicyName = "otlp";

    // Kestrel has no "never" for its connection timeouts: Timeout.InfiniteTimeSpan is taken as -1 ms and closes an idle
    // connection at the next heartbeat (seen in ReceiverServerOptionsTests), and TimeSpan.MaxValue would overflow its
    // deadline arithmetic. A century is never for a connection.
    private static readonly TimeSpan NoTimeout = TimeSpan.FromDays(36500);

    /// <summary>The Collector's CORS rules (rs/cors): only POST, the always-allowed headers plus <c>allowed_headers</c>.</summary>
    private static void ConfigureCors(Microsoft.AspNetCore.Cors.Infrastructure.CorsPolicyBuilder policy, CorsArguments cors)
    {
        if (cors.AllowedOrigins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            policy.SetIsOriginAllowed(cors.IsOriginAllowed);
        }

        policy.WithMethods("POST");
        if (cors.AllowedHeaders.Contains("*"))
        {
            policy.AllowAnyHeader();
        }
        else
        {
            policy.WithHeaders([.. CorsArguments.AlwaysAllowedHeaders, .. cors.AllowedHeaders]);
        }

        if (cors.ExposedHeaders.Count > 0)
        {
            policy.WithExposedHeaders([.. cors.ExposedHeaders]);
        }

        if (cors.MaxAge is { } seconds)
        {
            policy.SetPreflightMaxAge(TimeSpan.FromSeconds(seconds));
        }
    }

    /// <summary>
    /// grpc-go's <c>max_connection_age</c>: once a connection is this old (±10 % jitter, so clients do not all
    /// reconnect at once) the server asks it to go away — Kestrel sends HTTP/2 GOAWAY and lets calls in flight finish;
    /// after <paramref name="grace"/> more (when set) the connection is cut.
    /// </summary>
    private static void LimitConnectionAge(ListenOptions listen, TimeSpan age, TimeSpan? grace)
    {
        listen.Use(next => async connection =>
        {
            using var done = new CancellationTokenSource();
            var jittered = TimeSpan.FromTicks((long)(age.Ticks * (0.9 + (0.2 * Random.Shared.NextDouble()))));
            var retire = RetireAsync(connection, jittered, grace, done.Token);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                await done.CancelAsync().ConfigureAwait(false);
                await retire.ConfigureAwait(false);
            }
        });

        static async Task RetireAsync(Microsoft.AspNetCore.Connections.ConnectionContext connection, TimeSpan age, TimeSpan? grace, CancellationToken closed)
        {
            try
            {
                await Task.Delay(age, closed).ConfigureAwait(false);
                connection.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature>()?.RequestClose();
                if (grace is { } g)
                {
                    await Task.Delay(g, closed).ConfigureAwait(false);
                    connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("max_connection_age_grace passed"));
                }
            }
            catch (OperationCanceledException)
            {
                // The connection ended first.
            }
        }
    }

    private static void Listen(KestrelServerOptions kestrel, string endpoint, TlsArguments? tls, HttpProtocols protocols, Action<ListenOptions>? connectionLimits = null)
    {
        EndpointParser.TryParseHostPort(endpoint, out var host, out var port, out _);
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            connectionLimits?.Invoke(listen);
            if (tls is not null)
            {
                var certificate = tls.LoadCertificate()!;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = tls.Protocols();
                    if (!OperatingSystem.IsWindows() && tls.CipherSuitePolicy() is { } suites)
                    {
                        https.OnAuthenticate = (_, ssl) => ssl.CipherSuitesPolicy = suites;
                    }

                    if (tls.ClientCaFile is { } clientCa)
                    {
                        var trusted = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
                        trusted.ImportFromPemFile(clientCa);
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.RequireCertificate;
                        https.ClientCertificateValidation = (cert, _, errors) => TlsArguments.ValidateAgainst(trusted, cert, errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors);
                    }
                });
            }
        }

        if (host == "localhost")
        {
            kestrel.ListenLocalhost(port, Configure);
        }
        else if (IPAddress.TryParse(host, out var address))
        {
            kestrel.Listen(address, port, Configure);
        }
        else
        {
            // A host name: listen on what it resolves to.
            foreach (var resolved in Dns.GetHostAddresses(host))
            {
                kestrel.Listen(resolved, port, Configure);
            }
        }
    }

    private static bool SameServers(OtlpReceiverArguments a, OtlpReceiverArguments b) =>
        a.Grpc?.Endpoint == b.Grpc?.Endpoint && a.Http?.Endpoint == b.Http?.Endpoint
        && ReferenceEquals(a.Grpc?.Tls, b.Grpc?.Tls) && ReferenceEquals(a.Http?.Tls, b.Http?.Tls)
        && a.Http?.TracesUrlPath == b.Http?.TracesUrlPath && a.Grpc?.MaxRecvMsgSize == b.Grpc?.MaxRecvMsgSize
        && a.Grpc?.MaxConcurrentStreams == b.Grpc?.MaxConcurrentStreams && ReferenceEquals(a.Grpc?.Keepalive, b.Grpc?.Keepalive)
        && ReferenceEquals(a.Grpc?.Auth, b.Grpc?.Auth) && ReferenceEquals(a.Http?.Auth, b.Http?.Auth)
        && a.Http?.IdleTimeout == b.Http?.IdleTimeout && a.Http?.ReadHeaderTimeout == b.Http?.ReadHeaderTimeout
        && ReferenceEquals(a.Http?.Cors, b.Http?.Cors)
        && (a.Grpc is null) == (b.Grpc is null) && (a.Http is null) == (b.Http is null);

    /// <summary>The gRPC service; ASP.NET Core creates one per call, the component is a singleton.</summary>
    internal sealed class OtlpGrpcTraceService(OtlpReceiverComponent receiver) : TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            IReadOnlyDictionary<string, IReadOnlyList<string>>? metadata = null;
            if (receiver._arguments.Grpc?.IncludeMetadata == true)
            {
                var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
                foreach (var entry in context.RequestHeaders)
                {
                    if (!entry.IsBinary)
                    {
                        map[entry.Key] = map.TryGetValue(entry.Key, out var existing) ? [.. existing, entry.Value] : [entry.Value];
                    }
                }

                metadata = map;
            }

            return receiver.IngestAsync(request, metadata, context.CancellationToken);
        }
    }

    /// <summary>OTLP/HTTP: protobuf or JSON bodies, optionally compressed, answered in the same content type.</summary>
    private sealed class OtlpHttpHandler(OtlpReceiverComponent receiver, HttpServerArguments arguments)
    {
        private readonly long _maxBody = ByteSize.TryParse(arguments.MaxRequestBodySize, out var max) ? max : 20 * 1024 * 1024;

        public async Task HandleAsync(HttpContext context)
        {
            if (!arguments.KeepAlivesEnabled)
            {
                // keep_alives_enabled = false: one request per connection, as Go's SetKeepAlivesEnabled(false) does.
                context.Response.Headers.Connection = "close";
            }

            var contentType = context.Request.ContentType ?? "";
            var json = contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);
            if (!json && !contentType.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase))
            {
                await WriteStatusAsync(context, StatusCodes.Status415UnsupportedMediaType, false, $"unsupported content type \"{contentType}\"; use application/x-protobuf or application/json").ConfigureAwait(false);
                return;
            }

            byte[] body;
            try
            {
                body = await ReadBodyAsync(context).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                await WriteStatusAsync(context, StatusCodes.Status400BadRequest, json, ex.Message).ConfigureAwait(false);
                return;
            }
            catch (NotSupportedException ex)
            {
                await WriteStatusAsync(context, StatusCodes.Status415UnsupportedMediaType, json, ex.Message).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                await WriteStatusAsync(context, StatusCodes.Status408RequestTimeout, json, $"request body not read within read_timeout ({arguments.ReadTimeout})").ConfigureAwait(false);
                return;
            }
            catch (BodyTooLargeException)
            {
                await WriteStatusAsync(context, StatusCodes.Status413PayloadTooLarge, json, $"request body larger than max_request_body_size ({arguments.MaxRequestBodySize})").ConfigureAwait(false);
                return;
            }

            ExportTraceServiceRequest request;
            try
            {
                request = json ? OtlpJson.ParseTraces(System.Text.Encoding.UTF8.GetString(body)) : ExportTraceServiceRequest.Parser.ParseFrom(body);
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or FormatException or System.Text.Json.JsonException)
            {
                await WriteStatusAsync(context, StatusCodes.Status400BadRequest, json, "cannot decode the request: " + ex.Message).ConfigureAwait(false);
                return;
            }

            IReadOnlyDictionary<string, IReadOnlyList<string>>? metadata = null;
            if (arguments.IncludeMetadata)
            {
                var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
                foreach (var (key, values) in context.Request.Headers)
                {
                    map[key.ToLowerInvariant()] = values.Select(v => v ?? "").ToArray();
                }

                metadata = map;
            }

            ExportTraceServiceResponse response;
            try
            {
                response = await receiver.IngestAsync(request, metadata, context.RequestAborted).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                // Refused by the pipeline: 503 tells OTLP/HTTP clients to retry.
                await WriteStatusAsync(context, StatusCodes.Status503ServiceUnavailable, json, ex.Status.Detail).ConfigureAwait(false);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status200OK;
            if (json)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(OtlpJson.Format(response)).ConfigureAwait(false);
            }
            else
            {
                context.Response.ContentType = "application/x-protobuf";
                await context.Response.Body.WriteAsync(response.ToByteArray()).ConfigureAwait(false);
            }
        }

        private async Task<byte[]> ReadBodyAsync(HttpContext context)
        {
            var encoding = context.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
            if (!arguments.CompressionAlgorithms.Contains(encoding == "identity" ? "" : encoding))
            {
                throw new NotSupportedException($"content encoding \"{encoding}\" is not enabled in compression_algorithms");
            }

            Stream source = encoding switch
            {
                "" or "identity" => context.Request.Body,
                "gzip" => new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true),
                "deflate" or "zlib" => new ZLibStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true),
                "zstd" => new ZstdSharp.DecompressionStream(context.Request.Body, leaveOpen: true),
                _ => throw new NotSupportedException($"content encoding \"{encoding}\" is not supported by River"),
            };
            // read_timeout bounds the whole body read; zero means no limit.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            if (arguments.ReadTimeout > TimeSpan.Zero)
            {
                deadline.CancelAfter(arguments.ReadTimeout);
            }

            await using (source.ConfigureAwait(false))
            {
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await source.ReadAsync(chunk, deadline.Token).ConfigureAwait(false)) > 0)
                {
                    // Limit the decompressed size too, or a small gzip bomb could fill memory.
                    if (buffer.Length + read > _maxBody)
                    {
                        throw new BodyTooLargeException();
                    }

                    buffer.Write(chunk, 0, read);
                }

                return buffer.ToArray();
            }
        }

        private static async Task WriteStatusAsync(HttpContext context, int statusCode, bool json, string message)
        {
            // OTLP/HTTP failures carry a google.rpc.Status body in the request's encoding.
            var status = new River.Components.Telemetry.Otlp.Rpc.Status
            {
                Code = statusCode switch
                {
                    StatusCodes.Status503ServiceUnavailable => (int)StatusCode.Unavailable,
                    StatusCodes.Status413PayloadTooLarge => (int)StatusCode.ResourceExhausted,
                    StatusCodes.Status408RequestTimeout => (int)StatusCode.DeadlineExceeded,
                    _ => (int)StatusCode.InvalidArgument,
                },
                Message = message,
            };
            context.Response.StatusCode = statusCode;
            if (statusCode == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            if (json)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(OtlpJson.Format(status)).ConfigureAwait(false);
            }
            else
            {
                context.Response.ContentType = "application/x-protobuf";
                await context.Response.Body.WriteAsync(status.ToByteArray()).ConfigureAwait(false);
            }
        }
    }

    private sealed class BodyTooLargeException : Exception;

    /// <summary>Sends Kestrel's own warnings to the component's logger.</summary>
    private sealed class ForwardingLoggerProvider(ILogger target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target;

        public void Dispose()
        {
        }
    }
}
