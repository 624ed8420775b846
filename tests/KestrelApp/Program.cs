// A small ASP.NET Core app on Kestrel for the beyla.ebpf end-to-end tests: a real .NET server whose socket calls
// (epoll + send/recv through System.Net.Sockets) the capture must understand. Usage: KestrelApp <port>.
// Routes: /ok 200, /users/{id} 200, /fail 500, /probe 204 (any method), /big 200 with a 64 KiB body; anything
// else is Kestrel's own 404.
using System.Globalization;

if (args.Length != 1 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
{
    await Console.Error.WriteLineAsync("usage: KestrelApp <port>");
    return 2;
}

// The content root is the app's folder, not the working directory: the configuration file watcher then never
// reads a busy temp folder.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
var app = builder.Build();

var big = new string('x', 64 * 1024);
app.MapGet("/ok", () => "ok\n");
app.MapGet("/users/{id}", (string id) => $"user {id}\n");
app.MapGet("/fail", () => Results.StatusCode(500));
app.MapGet("/big", () => big);
app.MapMethods("/probe", ["GET", "HEAD"], () => Results.NoContent());

await app.RunAsync();
return 0;
