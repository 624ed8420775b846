using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace River.Http;

/// <summary>
/// River's web UI: static HTML, JavaScript modules and CSS embedded in this assembly (resources named
/// <c>ui/&lt;path&gt;</c>, from <c>Http/Ui/</c>), served by River's own HTTP server so the UI works offline and needs no
/// separate process. The pages read only the public <c>/api/v0/web/…</c> endpoints.
/// </summary>
public static class UiAssets
{
    private const string ResourcePrefix = "ui/";

    // Loaded once: the assets are a few kilobytes and never change while the process runs.
    private static readonly Lazy<FrozenDictionary<string, Asset>> AllAssets = new(LoadAssets);

    /// <summary>The embedded asset paths (relative to <c>/ui/</c>), for diagnostics and tests.</summary>
    public static IReadOnlyCollection<string> Paths => AllAssets.Value.Keys;

    /// <summary>
    /// Maps the UI onto <paramref name="router"/>: the pages <c>/</c>, <c>/graph</c> and <c>/component/{id}</c> all
    /// answer <c>index.html</c> (the page script routes on the path), and <c>/ui/{path}</c> answers the assets.
    /// Throws <see cref="InvalidOperationException"/> when the assembly was built without the assets.
    /// </summary>
    internal static void MapRiverUi(HttpRouter router)
    {
        ArgumentNullException.ThrowIfNull(router);
        var assets = AllAssets.Value;
        if (!assets.TryGetValue("index.html", out var index))
        {
            throw new InvalidOperationException("River was built without its UI: the embedded resource ui/index.html is missing");
        }

        string[] get = [HttpMethods.Get];
        router.Map("/", get, (context, _) => ServeAsync(context, index));
        router.Map("/graph", get, (context, _) => ServeAsync(context, index));
        router.Map("/component/{**}", get, (context, _) => ServeAsync(context, index));
        router.Map("/ui/{**}", get, (context, path) =>
        {
            if (assets.TryGetValue(path ?? string.Empty, out var asset))
            {
                return ServeAsync(context, asset);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("404 page not found\n", context.RequestAborted);
        });
    }

    private static Task ServeAsync(HttpContext context, Asset asset)
    {
        var response = context.Response;

        // no-cache (revalidate every time) rather than a max-age: a River upgrade must show its new UI at once, and a
        // 304 on an unchanged ETag costs nothing.
        response.Headers.CacheControl = "no-cache";
        response.Headers.ETag = asset.ETag;
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> LoadAssets()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            // %(RecursiveDir) uses the build machine's separator; URLs use '/'.
            var normalized = name.Replace('\\', '/');
            if (!normalized.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var content = ReadResource(assembly, name);
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 8)) + "\"";
            assets[normalized[ResourcePrefix.Length..]] = new Asset(content, ContentTypeOf(normalized), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource {name} is listed but cannot be read");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
