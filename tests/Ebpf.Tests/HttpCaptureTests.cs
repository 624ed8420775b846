using System.Net;
using System.Net.Sockets;
using System.Text;
using River.Ebpf.Tests.Support;

namespace River.Ebpf.Tests;

/// <summary>The HTTP capture object against real servers on the real kernel (run as root).</summary>
public sealed class HttpCaptureTests
{
    [Fact]
    public void FreshConnectionsAreCapturedWithMethodPathAndStatus()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);

        Assert.Equal([200], Clients.Curl(server.Url("/hello.txt")));
        Assert.Equal([404], Clients.Curl(server.Url("/missing")));
        Assert.Equal([200], Clients.Curl(server.Url("/hello.txt?x=1")));

        var events = capture.WaitFor(3);
        Assert.Equal(3, events.Count);
        Assert.Equal(["/hello.txt", "/missing", "/hello.txt?x=1"], events.Select(e => e.Path));
        Assert.Equal([200, 404, 200], events.Select(e => e.Status));
        Assert.All(events, e =>
        {
            Assert.Equal("GET", e.Method);
            Assert.Equal(HttpEvent.Server, e.Direction);
            Assert.Equal(server.Pids[0], e.Pid);
            Assert.Equal(server.Port, e.Local.Port);
            Assert.Equal(IPAddress.Loopback, e.Local.Address);
            Assert.Equal(IPAddress.Loopback, e.Remote.Address);
            Assert.NotEqual(0, e.Remote.Port);
            Assert.True(e.EndNs > e.StartNs);
            Assert.True(e.ResponseLength > 0);
            Assert.Equal((uint)e.RequestText.Length, e.RequestLength);
            Assert.StartsWith("GET ", e.RequestText, StringComparison.Ordinal);
            Assert.Contains("User-Agent: curl", e.RequestText, StringComparison.Ordinal);
        });
        // Three curl runs, three connections.
        Assert.Equal(3, events.Select(e => e.ConnectionId).Distinct().Count());
        // Two records per request: the request when it was read, its response when it was written.
        Assert.Equal(6UL, capture.Stat(0));
        Assert.Equal([0, 3, 3, 0], capture.RecordsByKind);
        Assert.Equal(0UL, capture.Stat(1));
    }

    [Fact]
    public void KeepAliveRequestsOnOneConnectionAreEachCaptured()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);

        // http.server closes the connection after any error status, so keep-alive is shown with 200s.
        Assert.Equal([200, 200, 200], Clients.Curl(server.Url("/hello.txt"), server.Url("/"), server.Url("/hello.txt?3")));

        var events = capture.WaitFor(3);
        Assert.Equal(3, events.Count);
        Assert.Equal(["/hello.txt", "/", "/hello.txt?3"], events.Select(e => e.Path));
        Assert.Equal([200, 200, 200], events.Select(e => e.Status));
        Assert.Single(events.Select(e => e.ConnectionId).Distinct());
        Assert.Equal([0u, 1u, 2u], events.Select(e => e.Seq));
    }

    [Fact]
    public void PipelinedRequestsInOneWriteAreCapturedInOrder()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);

        using var socket = Clients.Connect(server.Port);
        // No error statuses: http.server closes the connection after one, dropping what was pipelined behind it.
        var burst = Clients.Request("GET", "/hello.txt", server.Port) + Clients.Request("GET", "/", server.Port)
            + Clients.Request("HEAD", "/hello.txt?third", server.Port);
        socket.Send(Encoding.ASCII.GetBytes(burst));
        // HEAD has Content-Length but no body: read the first two fully (the third's headers follow).
        Assert.Equal([200, 200], Clients.ReadResponses(socket, 2));

        var events = capture.WaitFor(3);
        Assert.Equal(3, events.Count);
        Assert.Equal(["GET", "GET", "HEAD"], events.Select(e => e.Method));
        Assert.Equal(["/hello.txt", "/", "/hello.txt?third"], events.Select(e => e.Path));
        Assert.Equal([200, 200, 200], events.Select(e => e.Status));
        Assert.Equal([0, HttpEvent.FlagPipelined, HttpEvent.FlagPipelined], events.Select(e => e.Flags & HttpEvent.FlagPipelined));
        Assert.Single(events.Select(e => e.ConnectionId).Distinct());
        // Each request's byte count is its own slice of the burst.
        Assert.Equal(burst.Length, events.Sum(e => (int)e.RequestLength));
    }

    [Fact]
    public void AnswersThatStartInsideTheWriteBeforeAreEachPaired()
    {
        using var server = ServerProcess.SplitAnswers();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);

        using var socket = Clients.Connect(server.Port);
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/first", server.Port)
            + Clients.Request("GET", "/second", server.Port) + Clients.Request("GET", "/third", server.Port)));
        Assert.Equal([200, 404, 500], Clients.ReadResponses(socket, 3));

        // The 404 starts 5 bytes into the second write (two requests waiting), the 500 3 bytes into the third (one
        // waiting: the program first reads only 12 bytes of such a write).
        var events = capture.WaitFor(3);
        Assert.Equal(["/first", "/second", "/third"], events.Select(e => e.Path));
        Assert.Equal([200, 404, 500], events.Select(e => e.Status));
        Assert.Equal(0, capture.UnpairedResponses);
        Assert.Empty(capture.Pending);
    }

    [Fact]
    public void RequestSplitAcrossReadsKeepsTheWholeRequestLine()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);

        using var socket = Clients.Connect(server.Port);
        var request = Clients.Request("GET", "/hello.txt?split=yes", server.Port);
        socket.Send(Encoding.ASCII.GetBytes(request[..12]));
        Thread.Sleep(300); // the server reads the first fragment alone
        socket.Send(Encoding.ASCII.GetBytes(request[12..]));
        Assert.Equal([200], Clients.ReadResponses(socket, 1));

        var events = capture.WaitFor(1);
        var e = Assert.Single(events);
        Assert.Equal("/hello.txt?split=yes", e.Path);
        Assert.Equal(200, e.Status);
        Assert.Equal(HttpEvent.FlagSplit, e.Flags & HttpEvent.FlagSplit);
        Assert.Equal((uint)request.Length, e.RequestLength);
        Assert.Equal(request, e.RequestText);
    }

    [Fact]
    public void RequestBodyCountsTowardsTheRequestLength()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);

        using var socket = Clients.Connect(server.Port);
        var body = new string('b', 300);
        var request = $"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n";
        socket.Send(Encoding.ASCII.GetBytes(request));
        Thread.Sleep(200);
        socket.Send(Encoding.ASCII.GetBytes(body));
        // http.server has no POST handler: it answers 501.
        Assert.Equal([501], Clients.ReadResponses(socket, 1));

        var e = Assert.Single(capture.WaitFor(1));
        Assert.Equal("POST", e.Method);
        Assert.Equal("/upload", e.Path);
        Assert.Equal(501, e.Status);
        // python reads the headers; the body may stay unread in the socket, so count at least the headers.
        Assert.True(e.RequestLength >= request.Length);
    }

    [Fact]
    public void UnfilteredProcessYieldsNothing()
    {
        using var traced = ServerProcess.Python();
        using var other = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(traced.Pids[0]);

        Assert.Equal([200, 200], Clients.Curl(other.Url("/hello.txt"), other.Url("/hello.txt")));
        Assert.Equal([404], Clients.Curl(other.Url("/x")));
        Assert.Equal([200], Clients.Curl(traced.Url("/hello.txt?traced")));

        var events = capture.WaitFor(1);
        var e = Assert.Single(events);
        Assert.Equal(traced.Pids[0], e.Pid);
        Assert.Equal("/hello.txt?traced", e.Path);
    }

    [Fact]
    public void RemovingAPidFromTheFilterStopsItsCapture()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);
        Assert.Equal([200], Clients.Curl(server.Url("/hello.txt")));
        Assert.Single(capture.WaitFor(1));

        Assert.True(capture.PidFilter.Remove((uint)server.Pids[0]));
        Assert.False(capture.PidFilter.Contains((uint)server.Pids[0]));
        Assert.Equal([200], Clients.Curl(server.Url("/hello.txt")));
        Assert.Single(capture.WaitFor(2, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void ConnectionOpenedBeforeTheObjectWasLoadedIsCaptured()
    {
        using var server = ServerProcess.Python();
        using var socket = Clients.Connect(server.Port);
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/hello.txt?before", server.Port)));
        Assert.Equal([200], Clients.ReadResponses(socket, 1));

        using var capture = HttpCapture.Start();
        capture.Trace(server.Pids[0]);
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/hello.txt?after1", server.Port)));
        Assert.Equal([200], Clients.ReadResponses(socket, 1));
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/missing?after2", server.Port)));
        Assert.Equal([404], Clients.ReadResponses(socket, 1));

        var events = capture.WaitFor(2);
        Assert.Equal(2, events.Count);
        Assert.Equal(["/hello.txt?after1", "/missing?after2"], events.Select(e => e.Path));
        Assert.Equal([200, 404], events.Select(e => e.Status));
        var clientPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        Assert.All(events, e =>
        {
            // Addresses and ports come from the task → file → socket walk, not from an accept we never saw.
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, server.Port), e.Local);
            Assert.Equal(new IPEndPoint(IPAddress.Loopback, clientPort), e.Remote);
        });
    }

    [Fact]
    public void ClientRequestsOfATracedProcessAreCaptured()
    {
        using var server = ServerProcess.Python();
        using var capture = HttpCapture.Start();
        capture.Trace(Environment.ProcessId);

        using var socket = Clients.Connect(server.Port);
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/hello.txt?client", server.Port)));
        Assert.Equal([200], Clients.ReadResponses(socket, 1));
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("DELETE", "/thing", server.Port)));
        Assert.Equal([501], Clients.ReadResponses(socket, 1));

        var events = capture.WaitFor(2).Where(e => e.Remote.Port == server.Port).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(["GET", "DELETE"], events.Select(e => e.Method));
        Assert.Equal([200, 501], events.Select(e => e.Status));
        Assert.All(events, e =>
        {
            Assert.Equal(HttpEvent.Client, e.Direction);
            Assert.Equal(Environment.ProcessId, e.Pid);
            Assert.Equal(((IPEndPoint)socket.LocalEndPoint!).Port, e.Local.Port);
            Assert.True(e.EndNs > e.StartNs);
        });
    }

    [Fact]
    public void ARequestIsSentWhenReadAndItsResponseLaterAsARecordOfItsOwn()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var capture = HttpCapture.Start();
        capture.Trace(Environment.ProcessId);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // The client side is this process too: its write of the request and the server side's read are both seen.
        client.Connect(IPAddress.Loopback, port);
        using var accepted = listener.AcceptSocket();
        var request = Clients.Request("GET", "/slow?never", port);
        client.Send(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[4096];
        var n = accepted.Receive(buffer);
        Assert.Equal(request.Length, n);

        // Unanswered: both requests have arrived in user space already, with no end and no status; nothing is paired.
        Assert.Empty(capture.WaitFor(1, TimeSpan.FromSeconds(1)));
        var pending = capture.Pending;
        Assert.Equal(2, pending.Count);
        var server = Assert.Single(pending, e => e.Direction == HttpEvent.Server);
        var clientSide = Assert.Single(pending, e => e.Direction == HttpEvent.Client);
        Assert.All(pending, e =>
        {
            Assert.Equal("/slow?never", e.Path);
            Assert.Equal(0UL, e.EndNs);
            Assert.Equal(0, e.Status);
            Assert.Equal(0u, e.Seq);
        });
        Assert.Equal(port, server.Local.Port);
        Assert.Equal(port, clientSide.Remote.Port);

        accepted.Send(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
        var got = client.Receive(buffer);
        Assert.StartsWith("HTTP/1.1 200 OK", Encoding.ASCII.GetString(buffer, 0, got), StringComparison.Ordinal);

        // Each response record names its request by (connection id, number): two pairs, each once.
        var events = capture.WaitFor(2);
        Assert.Equal(2, events.Count);
        Assert.Equal([HttpEvent.Server, HttpEvent.Client], events.Select(e => e.Direction).Order());
        Assert.All(events, e =>
        {
            Assert.Equal(200, e.Status);
            Assert.True(e.EndNs > e.StartNs);
        });
        Assert.Equal(server.ConnectionId, Assert.Single(events, e => e.Direction == HttpEvent.Server).ConnectionId);
        Assert.Empty(capture.Pending);
        Assert.Equal(0, capture.UnpairedResponses);
        Assert.Equal(0UL, capture.Stat(3)); // STAT_ORPHAN_RESP
    }

    [Fact]
    public void WakeupBatchingStillDeliversEveryEventOnPoll()
    {
        using var server = ServerProcess.Python();
        // Ask for a wake-up only every 64 KiB: a few small events never trigger one, Poll must drain them.
        using var capture = HttpCapture.Start(obj => obj.SetGlobal("wakeup_data_bytes", 65536UL));
        capture.Trace(server.Pids[0]);
        Assert.Equal([200, 200], Clients.Curl(server.Url("/hello.txt"), server.Url("/hello.txt?again")));
        var events = capture.WaitFor(2);
        Assert.Equal(["/hello.txt", "/hello.txt?again"], events.Select(e => e.Path));
    }

    [Fact]
    public void WakeupBatchingWakesABlockedReaderOnceEnoughRecordsWait()
    {
        using var server = ServerProcess.Python();
        // A wake-up every 4 KiB of records: 40 requests (about 16 KiB of request and response records) cross that
        // several times, so a reader that blocks only afterwards finds the ring signalled and returns at once.
        using var capture = HttpCapture.Start(obj => obj.SetGlobal("wakeup_data_bytes", 4096UL));
        capture.Trace(server.Pids[0]);
        var urls = Enumerable.Range(0, 40).Select(i => server.Url($"/hello.txt?n={i}")).ToArray();
        Assert.All(Clients.Curl(urls), status => Assert.Equal(200, status));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var delivered = capture.Reader.Poll(TimeSpan.FromSeconds(30));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"no wake-up: Poll waited {clock.Elapsed}");
        Assert.True(delivered > 0);
        Assert.Equal(40, capture.WaitFor(40).Count);
    }
}
