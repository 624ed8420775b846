using System.Net.Sockets;
using System.Text;
using River.Runtime;
using Xunit.Abstractions;

namespace River.Tests.BeylaEndToEnd;

/// <summary>
/// beyla.ebpf against an ASP.NET Core app on Kestrel (tests/KestrelApp) in its own process. Kestrel reads with
/// recvfrom (after a one-byte MSG_PEEK on every new connection) and answers with sendto, or with sendmsg over
/// several segments for larger responses; every request must still be counted exactly once.
/// </summary>
[Collection(BeylaEndToEndCollection.Name)]
public sealed class KestrelEndToEndTests(ITestOutputHelper output)
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

    private static string Config(int port) => $$"""
        beyla.ebpf "t" {
          open_port = "{{port}}"
          routes {
            patterns  = ["/users/{id}"]
            unmatched = "path"
          }
          output { }
        }
        """;

    [Fact]
    public async Task KestrelSelectedByOpenPortIsCountedExactlyPerRouteAndStatus()
    {
        if (Skipped())
        {
            return;
        }

        using var kestrel = TestServer.Kestrel();
        await using var river = await RiverUnderTest.StartAsync(Config(kestrel.Port));
        await river.WaitTracedAsync(Id, kestrel);

        // Fresh connections.
        Assert.Equal([200], HttpClients.Curl(kestrel.Url("/ok")));
        Assert.Equal([404], HttpClients.Curl(kestrel.Url("/missing")));
        Assert.Equal([500], HttpClients.Curl(kestrel.Url("/fail")));
        // One keep-alive connection; /big (64 KiB, chunked) goes out as one sendmsg over many segments.
        Assert.Equal([200, 200, 200, 404, 500, 200], HttpClients.Curl(
            kestrel.Url("/users/1"), kestrel.Url("/users/22"), kestrel.Url("/ok"), kestrel.Url("/missing"), kestrel.Url("/fail"), kestrel.Url("/big")));

        var expected = new Dictionary<string, double>
        {
            ["200 /ok"] = 2, ["200 /users/{id}"] = 2, ["200 /big"] = 1, ["404 /missing"] = 2, ["500 /fail"] = 2,
        };
        var text = await river.ScrapeUntilAsync(Id, t => Exposition.GetCounts(t, kestrel.Port).Values.Sum() >= 9, TimeSpan.FromSeconds(20));
        var counts = Exposition.GetCounts(text, kestrel.Port);
        output.WriteLine("kestrel: " + Exposition.Describe(counts));
        Assert.Equal(expected, counts);
        Assert.Equal(0, Exposition.Sum(text, "beyla_ebpf_lost_events_total"));
        // The 64 KiB body was counted from the whole sendmsg, not just its header segment.
        var bigBytes = Exposition.Sum(text, "http_server_response_body_size_bytes_sum", ("http_route", "/big"));
        Assert.True(bigBytes >= 64 * 1024, $"response bytes of /big: {bigBytes}");
        Assert.Equal(HealthState.Healthy, river.Health(Id).State);
    }

    [Fact]
    public async Task PipelinedRequestsToNginxAndKestrelAreEachCountedOnce()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        using var kestrel = TestServer.Kestrel();
        await using var river = await StartTracingBothAsync(nginx, kestrel);
        var paths = PipelinedPaths;
        foreach (var server in new[] { nginx, kestrel })
        {
            // Two connections, each carrying six requests written in a single send.
            for (var round = 0; round < 2; round++)
            {
                using var socket = HttpClients.Connect(server.Port);
                var batch = string.Concat(paths.Select(p => HttpClients.Get(p, server.Port)));
                Assert.Equal(batch.Length, socket.Send(Encoding.ASCII.GetBytes(batch)));
                Assert.Equal([200, 404, 200, 200, 200, 500], HttpClients.ReadResponses(socket, paths.Length));
            }
        }

        await AssertBatchesCountedAsync(river, nginx, kestrel, batches: 2, TimeSpan.FromSeconds(20));
    }

    // nginx closes the connection after a 500, so the request answered with one goes last.
    private static readonly string[] PipelinedPaths = ["/ok", "/missing", "/users/3", "/ok", "/users/4", "/fail"];

    private static async Task<RiverUnderTest> StartTracingBothAsync(TestServer nginx, TestServer kestrel)
    {
        var river = await RiverUnderTest.StartAsync($$"""
            beyla.ebpf "t" {
              open_port = "{{nginx.Port}},{{kestrel.Port}}"
              routes {
                patterns  = ["/users/{id}"]
                unmatched = "path"
              }
              output { }
            }
            """);
        try
        {
            await river.WaitTracedAsync(Id, nginx);
            await river.WaitTracedAsync(Id, kestrel);
            return river;
        }
        catch
        {
            await river.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Asserts that each server counted exactly <paramref name="batches"/> batches of <see cref="PipelinedPaths"/>,
    /// each request with its own route and status, and that nothing was lost. Returns the scraped text.
    /// </summary>
    private async Task<string> AssertBatchesCountedAsync(RiverUnderTest river, TestServer nginx, TestServer kestrel, int batches, TimeSpan timeout)
    {
        var expected = new Dictionary<string, double>
        {
            ["200 /ok"] = 2 * batches, ["200 /users/{id}"] = 2 * batches, ["404 /missing"] = batches, ["500 /fail"] = batches,
        };
        var requests = PipelinedPaths.Length * batches;
        var text = await river.ScrapeUntilAsync(Id,
            t => Exposition.GetCounts(t, nginx.Port).Values.Sum() >= requests && Exposition.GetCounts(t, kestrel.Port).Values.Sum() >= requests,
            timeout);
        output.WriteLine("nginx: " + Exposition.Describe(Exposition.GetCounts(text, nginx.Port)));
        output.WriteLine("kestrel: " + Exposition.Describe(Exposition.GetCounts(text, kestrel.Port)));
        Assert.Equal(expected, Exposition.GetCounts(text, nginx.Port));
        Assert.Equal(expected, Exposition.GetCounts(text, kestrel.Port));
        Assert.Equal(0, Exposition.Sum(text, "beyla_ebpf_lost_events_total"));
        return text;
    }

    /// <summary>
    /// A pipelined batch that the server reads in two calls, the second starting inside a request: within its header
    /// block, inside the blank line that ends it, or inside the next request's first twelve bytes (too few to be
    /// recognised in the first read). The pause between the two sends makes the server read the first part on its
    /// own. Every request behind the split must still be found, so each response pairs with its own request.
    /// </summary>
    [Fact]
    public async Task PipelinedBatchSplitInsideARequestIsCountedExactly()
    {
        if (Skipped())
        {
            return;
        }

        using var nginx = TestServer.Nginx();
        using var kestrel = TestServer.Kestrel();
        await using var river = await StartTracingBothAsync(nginx, kestrel);
        var paths = PipelinedPaths;
        var sockets = new List<Socket>();
        foreach (var server in new[] { nginx, kestrel })
        {
            var requests = paths.Select(p => HttpClients.Get(p, server.Port)).ToArray();
            var batch = string.Concat(requests);
            int StartOf(int i) => requests.Take(i).Sum(r => r.Length);
            int[] splits =
            [
                StartOf(2) + 20,     // inside the third request's header block: the fourth to sixth follow in the second read
                StartOf(2) - 1,      // inside the blank line ending the second request ("\r\n\r" | "\n")
                StartOf(3) + 5,      // "GET /" | "ok HTTP/1.1": the fourth request's start line split
                StartOf(4) + 11,     // eleven bytes of the fifth request's start line in the first read
            ];
            foreach (var split in splits)
            {
                // Each connection stays open until the test ends, so no server reuses an fd number within it.
                var socket = HttpClients.Connect(server.Port);
                sockets.Add(socket);
                var bytes = Encoding.ASCII.GetBytes(batch);
                Assert.Equal(split, socket.Send(bytes, 0, split, SocketFlags.None));
                await Task.Delay(300);
                Assert.Equal(bytes.Length - split, socket.Send(bytes, split, bytes.Length - split, SocketFlags.None));
                Assert.Equal([200, 404, 200, 200, 200, 500], HttpClients.ReadResponses(socket, paths.Length));
            }
        }

        sockets.ForEach(s => s.Dispose());
        var text = await AssertBatchesCountedAsync(river, nginx, kestrel, batches: 4, TimeSpan.FromSeconds(10));
        // No request has a body: the start of a request cut by a call's end is not counted as the previous one's.
        Assert.Equal(0, Exposition.Sum(text, "http_server_request_body_size_bytes_sum"));
    }
}
