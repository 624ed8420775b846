using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace River.Runtime;

/// <summary>
/// The HTTP routes one component registered, served under <c>/api/v0/component/{id}/</c>. Kept per node so that
/// stopping a component removes its routes with it. Most components register none, so the table is created by the
/// first route (a config of 10 000 components would otherwise start with 10 000 empty concurrent dictionaries).
/// </summary>
public sealed class ComponentRouteTable : IRouteRegistrar
{
    private ConcurrentDictionary<(string Method, string Path), Func<HttpContext, Task>>? _routes;

    /// <inheritdoc/>
    public void MapGet(string relativePath, Func<HttpContext, Task> handler) => Map(HttpMethods.Get, relativePath, handler);

    /// <inheritdoc/>
    public void MapPost(string relativePath, Func<HttpContext, Task> handler) => Map(HttpMethods.Post, relativePath, handler);

    /// <summary>True when the component registered at least one route.</summary>
    public bool IsEmpty => Volatile.Read(ref _routes) is not { IsEmpty: false };

    /// <summary>Finds the handler for a method and a path relative to the component (leading slash optional).</summary>
    public bool TryFind(string method, string relativePath, out Func<HttpContext, Task> handler)
    {
        var path = Normalize(relativePath);
        // HEAD is served by the GET handler, as ASP.NET Core and Go's mux do.
        var key = HttpMethods.IsHead(method) ? HttpMethods.Get : method.ToUpperInvariant();
        if (Volatile.Read(ref _routes) is { } routes)
        {
            return routes.TryGetValue((key, path), out handler!);
        }

        handler = null!;
        return false;
    }

    /// <summary>True when some method is registered for the path (for 405 rather than 404).</summary>
    public bool HasPath(string relativePath)
    {
        var path = Normalize(relativePath);
        return Volatile.Read(ref _routes) is { } routes && routes.Keys.Any(k => k.Path == path);
    }

    internal void Clear() => Volatile.Read(ref _routes)?.Clear();

    private void Map(string method, string relativePath, Func<HttpContext, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        ArgumentNullException.ThrowIfNull(handler);
        var routes = LazyInitializer.EnsureInitialized(ref _routes);
        routes[(method, Normalize(relativePath))] = handler;
    }

    private static string Normalize(string path) => "/" + path.Trim('/');
}
