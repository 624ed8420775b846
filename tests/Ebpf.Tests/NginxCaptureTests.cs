using System.Text;
using River.Ebpf.Tests.Support;

namespace River.Ebpf.Tests;

/// <summary>nginx (temp prefix and config, one worker) traced by master and worker PIDs.</summary>
public sealed class NginxCaptureTests
{
    [Fact]
    public void NginxWorkerRequestsAreCapturedOnFreshAndKeepAliveConnections()
    {
        using var server = ServerProcess.Nginx();
        Assert.True(server.Pids.Count >= 2, "expected an nginx master and a worker");
        using var capture = HttpCapture.Start();
        foreach (var pid in server.Pids)
            capture.Trace(pid);

        Assert.Equal([200], Clients.Curl(server.Url("/hello.txt")));
        Assert.Equal([200, 404, 200], Clients.Curl(server.Url("/"), server.Url("/missing"), server.Url("/index.html?q=1")));

        var events = capture.WaitFor(4);
        Assert.Equal(4, events.Count);
        Assert.Equal(["/hello.txt", "/", "/missing", "/index.html?q=1"], events.Select(e => e.Path));
        Assert.Equal([200, 200, 404, 200], events.Select(e => e.Status));
        var worker = server.Pids[1];
        Assert.All(events, e =>
        {
            Assert.Equal(worker, e.Pid);
            Assert.Equal(HttpEvent.Server, e.Direction);
            Assert.Equal(server.Port, e.Local.Port);
            Assert.True(e.ResponseLength > 0);
        });
        Assert.Equal(2, events.Select(e => e.ConnectionId).Distinct().Count());
    }

    [Fact]
    public void NginxKeepAliveConnectionOpenedBeforeLoadIsCaptured()
    {
        using var server = ServerProcess.Nginx();
        using var socket = Clients.Connect(server.Port);
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/hello.txt", server.Port)));
        Assert.Equal([200], Clients.ReadResponses(socket, 1));

        using var capture = HttpCapture.Start();
        foreach (var pid in server.Pids)
            capture.Trace(pid);
        socket.Send(Encoding.ASCII.GetBytes(Clients.Request("GET", "/index.html?after", server.Port)));
        Assert.Equal([200], Clients.ReadResponses(socket, 1));

        var e = Assert.Single(capture.WaitFor(1));
        Assert.Equal("/index.html?after", e.Path);
        Assert.Equal(200, e.Status);
        Assert.Equal(((System.Net.IPEndPoint)socket.LocalEndPoint!).Port, e.Remote.Port);
    }
}
