using Microsoft.AspNetCore.Http;

namespace River.Http;

/// <summary>
/// The few fixed routes of River's HTTP server, matched by hand. ASP.NET Core's endpoint routing would build a DFA
/// matcher, its policies and their services on every start, a large part of the time to <c>/-/ready</c> for a table
/// this small. The matching follows endpoint routing for the templates River uses: literal paths
/// (<c>/-/ready</c>) and a literal prefix with a catch-all rest (<c>/ui/{**path}</c>), case-insensitive, a trailing
/// slash allowed after a literal path, an empty rest allowed for a catch-all, literal routes before catch-all routes
/// and longer prefixes first; a path that some route matches with another method is a 405 with an <c>Allow</c> header,
/// anything else a 404.
/// </summary>
internal sealed class HttpRouter
{
    private readonly List<Route> _routes = [];

    /// <summary>The handler of one route: the request, and the catch-all rest (null for a literal route).</summary>
    public delegate Task Handler(HttpContext context, string? rest);

    /// <summary>
    /// Adds a route. <paramref name="template"/> is a literal path (<c>/-/ready</c>) or a literal prefix followed by
    /// <c>/{**}</c> (<c>/ui/{**}</c>). <paramref name="methods"/> empty means every method.
    /// </summary>
    public void Map(string template, string[] methods, Handler handler)
    {
        const string CatchAll = "/{**}";
        var isCatchAll = template.EndsWith(CatchAll, StringComparison.Ordinal);
        var path = isCatchAll ? template[..^CatchAll.Length] : template;
        if (!path.StartsWith('/') || path.Contains('{', StringComparison.Ordinal))
        {
            throw new ArgumentException($"route template \"{template}\" must be a literal path, optionally ending in /{{**}}", nameof(template));
        }

        _routes.Add(new Route(path, isCatchAll, methods, handler));

        // Literal routes first, then catch-all routes with the longest prefix first; stable for equal keys.
        var ordered = _routes.OrderBy(r => r.IsCatchAll).ThenByDescending(r => r.Path.Length).ToList();
        _routes.Clear();
        _routes.AddRange(ordered);
    }

    /// <summary>Serves a request: the matching route's handler, a 405 or a 404 (empty bodies, as endpoint routing).</summary>
    public Task DispatchAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        if (string.IsNullOrEmpty(path))
        {
            path = "/";
        }

        var method = context.Request.Method;
        List<string>? allowed = null;
        foreach (var route in _routes)
        {
            if (!route.TryMatch(path, out var rest))
            {
                continue;
            }

            if (route.Methods.Length == 0 || route.Methods.Any(m => string.Equals(m, method, StringComparison.OrdinalIgnoreCase)))
            {
                return route.Handler(context, rest);
            }

            allowed ??= [];
            allowed.AddRange(route.Methods.Where(m => !allowed.Contains(m, StringComparer.OrdinalIgnoreCase)));
        }

        if (allowed is not null)
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = string.Join(", ", allowed);
            return Task.CompletedTask;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private sealed record Route(string Path, bool IsCatchAll, string[] Methods, Handler Handler)
    {
        public bool TryMatch(string requestPath, out string? rest)
        {
            rest = null;
            if (!requestPath.StartsWith(Path, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var tail = requestPath.AsSpan(Path.Length);
            if (!IsCatchAll)
            {
                // "/-/ready" and "/-/ready/"; the root route "/" only as itself.
                return tail.IsEmpty || (tail is "/" && Path != "/");
            }

            if (tail.IsEmpty)
            {
                rest = string.Empty;
                return true;
            }

            if (tail[0] != '/' && Path != "/")
            {
                // "/uix" is not under "/ui".
                return false;
            }

            rest = Path == "/" ? tail.ToString() : tail[1..].ToString();
            return true;
        }
    }
}
