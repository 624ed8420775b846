using System.Net.Sockets;
using System.Text;
using River.Components.Beyla;
using River.Runtime;
using Xunit.Abstractions;

namespace River.Tests.BeylaEndToEnd;

/// <summary>
/// beyla.ebpf inside a real RiverHost, on the real kernel, against real python and nginx servers: the request
/// counts scraped from the component's metrics route equal the requests curl and raw sockets sent.
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class MetricsEndToEndTests(ITestOutputHelper output)
{
    private const string Id = "beyla.ebpf.t";

    private bool Skipped()
    {
        if (EndToEndPrerequisites.Missing() is { } reason)
        {
            output.WriteLine("skipped: " + reason);
            return true;
        }

        return false;
    }

    [Fact]
    public async Task PythonAndNginxSelectedByOpenPortAreCountedExactlyPerStatusOnFreshAndKeepAliveConnections()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        using var python = TestServer.Python();
        using var unselected = TestServer.Python();
        await using var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "t" {
              open_port = "{{nginx.Port}},{{python.Port}}"
              output { }
            }
            """);
        await river.WaitTracedAsync(Id, nginx);
        await river.WaitTracedAsync(Id, python);

        // nginx: three fresh connections, then one keep-alive connection carrying five requests.
        Assert.Equal([200], HttpClients.Curl(nginx.Url("/ok")));
        Assert.Equal([404], HttpClients.Curl(nginx.Url("/missing")));
        Assert.Equal([500], HttpClients.Curl(nginx.Url("/fail")));
        Assert.Equal([200, 200, 404, 500, 500], HttpClients.Curl(nginx.Url("/ok"), nginx.Url("/ok"), nginx.Url("/missing"), nginx.Url("/fail"), nginx.Url("/fail")));
        // python: two fresh connections, then three requests on one connection.
        Assert.Equal([200], HttpClients.Curl(python.Url("/hello.txt")));
        Assert.Equal([200], HttpClients.Curl(python.Url("/hello.txt")));
        Assert.Equal([200, 404, 200], HttpClients.Curl(python.Url("/hello.txt"), python.Url("/nope"), python.Url("/hello.txt")));
        // Not selected: must yield nothing.
        Assert.Equal([200, 200], HttpClients.Curl(unselected.Url("/hello.txt"), unselected.Url("/hello.txt")));

        var expectedNginx = new Dictionary<string, double> { ["200 -"] = 3, ["404 -"] = 2, ["500 -"] = 3 };
        var expectedPython = new Dictionary<string, double> { ["200 -"] = 4, ["404 -"] = 1 };
        var text = await river.ScrapeUntilAsync(Id,
            t => Exposition.GetCounts(t, nginx.Port).Values.Sum() >= 8 && Exposition.GetCounts(t, python.Port).Values.Sum() >= 5,
            TimeSpan.FromSeconds(15));
        var nginxCounts = Exposition.GetCounts(text, nginx.Port);
        var pythonCounts = Exposition.GetCounts(text, python.Port);
        output.WriteLine("nginx: " + Exposition.Describe(nginxCounts));
        output.WriteLine("python: " + Exposition.Describe(pythonCounts));
        Assert.Equal(expectedNginx, nginxCounts);
        Assert.Equal(expectedPython, pythonCounts);
        Assert.DoesNotContain(Exposition.Samples(text), s => s.Labels.GetValueOrDefault("server_port") == unselected.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, Exposition.Sum(text, "beyla_ebpf_lost_events_total"));
        Assert.Equal(HealthState.Healthy, river.Health(Id).State);
    }

    [Fact]
    public async Task WithARoutesBlockTheRouteLabelFollowsThePattern()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        await using var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "t" {
              open_port = "{{nginx.Port}}"
              routes {
                patterns = ["/users/{id}"]
                unmatched = "path"
              }
              output { }
            }
            """);
        await river.WaitTracedAsync(Id, nginx);

        Assert.Equal([200, 200, 200, 200], HttpClients.Curl(nginx.Url("/users/1"), nginx.Url("/users/42"), nginx.Url("/users/abc"), nginx.Url("/ok")));
        Assert.Equal([404], HttpClients.Curl(nginx.Url("/missing")));

        var text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, nginx.Port).Values.Sum() >= 5, TimeSpan.FromSeconds(15));
        var counts = Exposition.GetCounts(text, nginx.Port);
        output.WriteLine(Exposition.Describe(counts));
        Assert.Equal(new Dictionary<string, double> { ["200 /users/{id}"] = 3, ["200 /ok"] = 1, ["404 /missing"] = 1 }, counts);
    }

    [Fact]
    public async Task AKeepAliveConnectionOpenedBeforeRiverStartedIsCaptured()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        using var socket = HttpClients.Connect(nginx.Port);
        socket.Send(Encoding.ASCII.GetBytes(HttpClients.Get("/ok", nginx.Port)));
        Assert.Equal([200], HttpClients.ReadResponses(socket, 1));

        await using var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "t" {
              open_port = "{{nginx.Port}}"
              output { }
            }
            """);
        await river.WaitTracedAsync(Id, nginx);

        // The same connection, accepted long before the program was loaded.
        socket.Send(Encoding.ASCII.GetBytes(HttpClients.Get("/ok", nginx.Port) + HttpClients.Get("/missing", nginx.Port)));
        Assert.Equal([200, 404], HttpClients.ReadResponses(socket, 2));
        socket.Send(Encoding.ASCII.GetBytes(HttpClients.Get("/fail", nginx.Port)));
        Assert.Equal([500], HttpClients.ReadResponses(socket, 1));

        var text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, nginx.Port).Values.Sum() >= 3, TimeSpan.FromSeconds(15));
        var counts = Exposition.GetCounts(text, nginx.Port);
        output.WriteLine(Exposition.Describe(counts));
        Assert.Equal(new Dictionary<string, double> { ["200 -"] = 1, ["404 -"] = 1, ["500 -"] = 1 }, counts);
    }

    [Fact]
    public async Task BadTrafficNeitherCrashesNorDisturbsTheCountsOfWellFormedRequests()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        await using var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "t" {
              open_port = "{{nginx.Port}}"
              ebpf { http_request_timeout = "0s" }
              output { }
            }
            """);
        await river.WaitTracedAsync(Id, nginx);
        var component = (BeylaComponent)river.Host.Controller.Components.Single(c => c.Id == Id).Instance!;

        var random = new Random(4);
        // Binary garbage: nginx answers 400 to something that is no request; the kernel side sees no request line.
        using (var garbage = HttpClients.Connect(nginx.Port))
        {
            var bytes = new byte[4096];
            random.NextBytes(bytes);
            garbage.Send(bytes);
            DrainUntilClosed(garbage);
        }

        Assert.Equal([200], HttpClients.Curl(nginx.Url("/ok")));

        // A truncated request (headers never finished), then a clean close.
        using (var truncated = HttpClients.Connect(nginx.Port))
        {
            truncated.Send(Encoding.ASCII.GetBytes($"GET /ok HTTP/1.1\r\nHost: 127.0.0.1:{nginx.Port}\r\nX-Partial: "));
            Thread.Sleep(100);
            truncated.Shutdown(SocketShutdown.Send);
            DrainUntilClosed(truncated);
        }

        // A reset in the middle of a request.
        var reset = HttpClients.Connect(nginx.Port);
        reset.Send(Encoding.ASCII.GetBytes($"GET /missing HTTP/1.1\r\nHost: 127.0.0.1:{nginx.Port}\r\n"));
        Thread.Sleep(100);
        HttpClients.Reset(reset);

        // 64 KiB of headers: nginx refuses it with 400 (header too large), which is an answered request.
        using (var big = HttpClients.Connect(nginx.Port))
        {
            var header = "X-Big: " + new string('a', 64 * 1024) + "\r\n";
            big.Send(Encoding.ASCII.GetBytes(HttpClients.Get("/ok", nginx.Port, header)));
            Assert.Equal([400], HttpClients.ReadResponses(big, 1));
        }

        Assert.Equal([200, 404, 500], HttpClients.Curl(nginx.Url("/ok"), nginx.Url("/missing"), nginx.Url("/fail")));
        Assert.Equal([500], HttpClients.Curl(nginx.Url("/fail")));

        var text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, nginx.Port).Values.Sum() >= 6, TimeSpan.FromSeconds(15));
        var counts = Exposition.GetCounts(text, nginx.Port);
        output.WriteLine(Exposition.Describe(counts));
        output.WriteLine($"tracer: unknown-pid events {component.Tracer!.UnknownPidEvents}, invalid events {component.Tracer.InvalidEvents}");
        Assert.Equal(new Dictionary<string, double> { ["200 -"] = 2, ["404 -"] = 1, ["500 -"] = 2, ["400 -"] = 1 }, counts);
        Assert.Equal(HealthState.Healthy, river.Health(Id).State);
        Assert.True(nginx.Pid > 0 && !System.Diagnostics.Process.GetProcessById(nginx.Pid).HasExited);
    }

    private static void DrainUntilClosed(Socket socket)
    {
        var buffer = new byte[8192];
        try
        {
            while (socket.Receive(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset by the server ends the exchange as well.
        }
    }
}
