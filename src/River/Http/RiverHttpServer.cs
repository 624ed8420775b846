using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using River.Runtime;

namespace River.Http;

/// <summary>
/// River's HTTP server (Kestrel): health and readiness, reload, the UI JSON API, component routes and metrics. The
/// same pipeline serves the TCP listener and the in-memory listener (<see cref="InMemoryTransport"/>).
/// </summary>
public sealed class RiverHttpServer : IAsyncDisposable
{
    private static readonly string[] Get = [HttpMethods.Get];
    private readonly ComponentController _controller;
    private readonly Func<CancellationToken, Task<ApplyResult>> _reload;
    private readonly string _listenAddress;
    private KestrelServer? _server;

    /// <summary>Creates the server; <paramref name="reload"/> is what <c>/-/reload</c> runs.</summary>
    public RiverHttpServer(string listenAddress, ComponentController controller, InMemoryTransport transport, Func<CancellationToken, Task<ApplyResult>> reload)
    {
        _listenAddress = listenAddress;
        _controller = controller;
        Transport = transport;
        _reload = reload;
    }

    /// <summary>The in-memory transport served alongside TCP.</summary>
    public InMemoryTransport Transport { get; }

    /// <summary>Set by the host once the first configuration is loaded and its components started.</summary>
    public bool Ready { get; set; }

    /// <summary>The TCP address actually bound (the real port when 0 was asked for).</summary>
    public Uri? Address { get; private set; }

    /// <summary>
    /// Binds the listeners and starts serving. Throws <see cref="IOException"/> when the address is taken.
    /// Kestrel runs on its own, without the generic host, dependency injection or endpoint routing: a server with a
    /// fixed route table needs none of them, and building them was a large part of the time to <c>/-/ready</c>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = ParseListenAddress(_listenAddress);
        var options = new KestrelServerOptions { AddServerHeader = false };
        options.Listen(endpoint);
        options.Listen(Transport.EndPoint);
        var sockets = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var server = new KestrelServer(Options.Create(options), new TransportSelector(sockets, Transport), NullLoggerFactory.Instance);
        var router = new HttpRouter();
        MapRoutes(router);
        UiAssets.MapRiverUi(router);
        try
        {
            await server.StartAsync(new Application(router.DispatchAsync), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        _server = server;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var bound = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal) && !a.Contains(Transport.EndPoint.Address, StringComparison.Ordinal));
        Address = bound is null ? null : new Uri(bound);
    }

    private void MapRoutes(HttpRouter router)
    {
        router.Map("/-/ready", Get, (context, _) => Ready
            ? Text(context, StatusCodes.Status200OK, "River is ready.\n")
            : Text(context, StatusCodes.Status503ServiceUnavailable, "River is not ready.\n"));
        router.Map("/-/healthy", Get, (context, _) =>
        {
            var unhealthy = _controller.Components.Where(n => n.Health.State == HealthState.Unhealthy).Select(n => n.Id).ToList();
            return unhealthy.Count == 0
                ? Text(context, StatusCodes.Status200OK, "All River components are healthy.\n")
                : Text(context, StatusCodes.Status500InternalServerError, "unhealthy components: " + string.Join(", ", unhealthy) + "\n");
        });
        router.Map("/-/reload", [HttpMethods.Get, HttpMethods.Post], async (context, _) =>
        {
            var result = await _reload(context.RequestAborted).ConfigureAwait(false);
            if (result.Success)
            {
                await Text(context, StatusCodes.Status200OK, "config reloaded\n").ConfigureAwait(false);
                return;
            }

            var text = new StringBuilder();
            foreach (var diagnostic in result.Errors)
            {
                text.Append(diagnostic.ToString()).Append('\n');
            }

            await Text(context, StatusCodes.Status400BadRequest, text.ToString()).ConfigureAwait(false);
        });
        router.Map("/metrics", Get, async (context, _) =>
        {
            // Health changes between evaluations (a run loop failing), so the gauge is refreshed at scrape time.
            _controller.Metrics.SetRunning(_controller.Components);
            var registries = new List<Prometheus.CollectorRegistry> { _controller.Metrics.Registry };
            foreach (var node in _controller.Components)
            {
                if (node.RegistryIfCreated is { } registry)
                {
                    registries.Add(registry);
                }
            }

            var text = await MetricsExposition.RenderAsync(registries, context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
        });
        router.Map("/api/v0/web/components", Get, (context, _) => Json(context, StatusCodes.Status200OK, writer =>
        {
            writer.WriteStartArray();
            foreach (var node in _controller.Components)
            {
                ComponentJson.Write(writer, _controller, node, detail: false);
            }

            writer.WriteEndArray();
        }));
        router.Map("/api/v0/web/components/{**}", Get, (context, id) =>
        {
            id ??= string.Empty;
            return _controller.TryGetComponent(id, out var node)
                ? Json(context, StatusCodes.Status200OK, writer => ComponentJson.Write(writer, _controller, node, detail: true))
                : Text(context, StatusCodes.Status404NotFound, "404 page not found\n");
        });
        router.Map("/api/v0/web/status", Get, (context, _) => Json(context, StatusCodes.Status200OK, writer =>
        {
            var last = _controller.LastResult;
            writer.WriteStartObject();
            writer.WriteBoolean("ready", Ready);
            writer.WriteBoolean("lastReloadSuccessful", last?.Success ?? false);
            writer.WriteStartArray("lastReloadError");
            foreach (var diagnostic in last?.Errors ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("location", diagnostic.Location);
                writer.WriteString("message", diagnostic.Message);
                if (diagnostic.Hint is not null)
                {
                    writer.WriteString("hint", diagnostic.Hint);
                }

                writer.WriteString("text", diagnostic.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (last is null)
            {
                writer.WriteNull("lastReloadTime");
            }
            else
            {
                writer.WriteString("lastReloadTime", last.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            }

            writer.WriteEndObject();
        }));
        router.Map("/api/v0/component/{**}", [], ServeComponentRouteAsync);
    }

    /// <summary>
    /// <c>/api/v0/component/{id}/{path}</c>: the id is the longest prefix of the path (split at <c>/</c>) naming an
    /// installed component, as Alloy resolves it; the rest is the component-relative path.
    /// </summary>
    private Task ServeComponentRouteAsync(HttpContext context, string? rest)
    {
        rest ??= string.Empty;
        var cut = rest.Length;
        while (cut > 0)
        {
            var id = rest[..cut];
            if (_controller.TryGetComponent(id, out var node))
            {
                var relative = rest[cut..];
                if (node.Routes.TryFind(context.Request.Method, relative, out var handler))
                {
                    return handler(context);
                }

                return node.Routes.HasPath(relative)
                    ? Text(context, StatusCodes.Status405MethodNotAllowed, "method not allowed\n")
                    : Text(context, StatusCodes.Status404NotFound, "404 page not found\n");
            }

            cut = rest.LastIndexOf('/', cut - 1);
        }

        return Text(context, StatusCodes.Status404NotFound, "404 page not found\n");
    }

    private static Task Text(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(body, context.RequestAborted);
    }

    private static async Task Json(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Parses <c>--server.http.listen-addr</c>: <c>host:port</c> with an IP address, <c>[v6]:port</c>,
    /// <c>localhost:port</c> or <c>:port</c> (every interface). Throws <see cref="FormatException"/> otherwise.
    /// </summary>
    public static IPEndPoint ParseListenAddress(string address)
    {
        var (host, port) = InMemoryHttpHandler.SplitAddress(address);
        if (host.Length == 0)
        {
            return new IPEndPoint(IPAddress.IPv6Any, port);
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }

        return IPAddress.TryParse(host, out var ip)
            ? new IPEndPoint(ip, port)
            : throw new FormatException($"listen address \"{address}\" must use an IP address, localhost or an empty host");
    }

    /// <summary>Stops serving.</summary>
    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            server.Dispose();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>One transport for Kestrel: in-memory endpoints to River's in-memory transport, the rest to sockets.</summary>
    private sealed class TransportSelector(IConnectionListenerFactory sockets, InMemoryTransport memory) : IConnectionListenerFactory
    {
        public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            memory.CanBind(endpoint) ? memory.BindAsync(endpoint, cancellationToken) : sockets.BindAsync(endpoint, cancellationToken);
    }

    /// <summary>The request pipeline Kestrel calls: a plain <see cref="DefaultHttpContext"/> handed to the router.</summary>
    private sealed class Application(RequestDelegate handler) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => handler(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
            // Nothing pooled or scoped per request: the context is left to the garbage collector.
        }
    }
}
