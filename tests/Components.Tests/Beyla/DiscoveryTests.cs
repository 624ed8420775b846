using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using River.Components.Beyla;
using River.Components.Beyla.Discovery;

namespace River.Components.Tests.Beyla;

/// <summary>Real <c>python3 -m http.server</c> processes shared by the discovery tests (started once, in parallel).</summary>
public sealed class PythonServers : IDisposable
{
    private readonly List<Process> _started = [];

    public PythonServers()
    {
        PlainPort = FreePort();
        OtherPort = FreePort();
        NamedPort = FreePort();
        ExporterPort = FreePort();
        Plain = Start(PlainPort);
        Other = Start(OtherPort);
        Named = Start(NamedPort, new Dictionary<string, string>
        {
            ["OTEL_SERVICE_NAME"] = "catalog",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "service.namespace=store,deployment.environment=test",
        });
        Exporter = Start(ExporterPort, new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318" });
        foreach (var port in new[] { PlainPort, OtherPort, NamedPort, ExporterPort })
        {
            WaitListening(port);
        }
    }

    public int PlainPort { get; }

    public int OtherPort { get; }

    public int NamedPort { get; }

    public int ExporterPort { get; }

    public Process Plain { get; }

    public Process Other { get; }

    public Process Named { get; }

    public Process Exporter { get; }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public Process Start(int port, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("python3", ["-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var p = Process.Start(psi)!;
        _started.Add(p);
        return p;
    }

    public static void WaitListening(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new TimeoutException($"python3 http.server did not listen on {port}");
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }
    }
}

/// <summary>Discovers real <c>python3 -m http.server</c> processes through /proc.</summary>
public sealed class DiscoveryTests(PythonServers servers) : IClassFixture<PythonServers>
{
    private static BeylaArguments Args(Action<BeylaArguments> configure)
    {
        var a = new BeylaArguments();
        a.Attributes.InstanceId.OverrideHostname = "testhost";
        configure(a);
        Assert.Empty(a.ValidateAll());
        return a;
    }

    [Fact]
    public void ProcFsFindsTheListeningPortOfARealServer()
    {
        var ports = new ProcFs().ReadListeningPorts([servers.Plain.Id]);
        Assert.Contains(servers.PlainPort, ports[servers.Plain.Id]);
        var snap = new ProcFs().ReadProcess(servers.Plain.Id)!;
        Assert.Contains("python", snap.ExePath, StringComparison.Ordinal);
        Assert.Contains("http.server", snap.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenPortSelectsTheServerOnThatPortAndNotTheOther()
    {
        var discovery = new ProcessDiscovery(Args(a => a.OpenPort = $"{servers.PlainPort}"));
        DiscoveryChange? raised = null;
        discovery.SelectionChanged += c => raised = c;

        var change = discovery.Scan();

        var service = Assert.Single(change.Current.Values);
        Assert.Equal(servers.Plain.Id, service.Pid);
        Assert.DoesNotContain(servers.Other.Id, change.Current.Keys);
        Assert.Equal([servers.PlainPort], service.Ports);
        Assert.StartsWith("python", service.ServiceName, StringComparison.Ordinal); // executable's file name
        Assert.Equal($"testhost:{servers.Plain.Id}", service.InstanceId);
        Assert.Equal("python", service.SdkLanguage);
        Assert.NotNull(raised);
        Assert.Single(raised.Added);

        // A second scan with nothing changed raises nothing.
        raised = null;
        discovery.Scan();
        Assert.Null(raised);
    }

    [Fact]
    public void AServerThatExitsIsRemovedFromTheSelection()
    {
        var port = PythonServers.FreePort();
        var server = servers.Start(port);
        PythonServers.WaitListening(port);
        var discovery = new ProcessDiscovery(Args(a => a.OpenPort = $"{port}"));
        Assert.Equal([server.Id], discovery.Scan().Current.Keys);
        server.Kill();
        server.WaitForExit(5000);
        var after = discovery.Scan();
        Assert.Empty(after.Current);
        Assert.Equal(server.Id, Assert.Single(after.Removed).Pid);
    }

    [Fact]
    public void ExecutableNameRegexMatchesTheFullCommandLine()
    {
        var discovery = new ProcessDiscovery(Args(a => a.ExecutableName = $@"python3?[\d.]* -m http\.server {servers.PlainPort}\b"));
        var change = discovery.Scan();
        Assert.Equal([servers.Plain.Id], change.Current.Keys);
        Assert.DoesNotContain(servers.Other.Id, change.Current.Keys);
    }

    [Fact]
    public void ServicesEntryNamesTheServiceAndExcludeServicesWins()
    {
        var discovery = new ProcessDiscovery(Args(args =>
        {
            args.Discovery.Services.Add(new ServiceSelectorBlock { Name = "files", Namespace = "shop", OpenPorts = $"{servers.PlainPort},{servers.OtherPort}", ExePath = "python" });
            args.Discovery.ExcludeServices.Add(new ServiceSelectorBlock { OpenPorts = $"{servers.OtherPort}" });
        }));
        var service = Assert.Single(discovery.Scan().Current.Values);
        Assert.Equal(servers.Plain.Id, service.Pid);
        Assert.Equal("files", service.ServiceName);
        Assert.Equal("shop", service.ServiceNamespace);
        Assert.Equal("shop/files", service.Job);
    }

    [Fact]
    public void ServiceNameComesFromOtelServiceNameInTheProcessEnvironment()
    {
        var service = Assert.Single(new ProcessDiscovery(Args(a => a.OpenPort = $"{servers.NamedPort}")).Scan().Current.Values);
        Assert.Equal(servers.Named.Id, service.Pid);
        Assert.Equal("catalog", service.ServiceName);
        Assert.Equal("store", service.ServiceNamespace);
        Assert.Equal("test", service.ResourceAttributes["deployment.environment"]);
    }

    [Fact]
    public void OtelInstrumentedProcessesAreExcludedUnlessDisabled()
    {
        Assert.Empty(new ProcessDiscovery(Args(a => a.OpenPort = $"{servers.ExporterPort}")).Scan().Current);
        var kept = new ProcessDiscovery(Args(a =>
        {
            a.OpenPort = $"{servers.ExporterPort}";
            a.Discovery.ExcludeOtelInstrumentedServices = false;
        })).Scan().Current;
        Assert.Equal([servers.Exporter.Id], kept.Keys);
    }

    [Fact]
    public void DefaultExclusionKeepsRiverItselfOut()
    {
        // This test process is a dotnet host; matching every executable must still not select it.
        var discovery = new ProcessDiscovery(Args(a => a.ExecutableName = "."));
        Assert.DoesNotContain(Environment.ProcessId, discovery.Scan().Current.Keys);
        var withoutDefaults = new ProcessDiscovery(Args(a =>
        {
            a.ExecutableName = "dotnet|testhost";
            a.Discovery.DefaultExcludeServices = [new ServiceSelectorBlock { ExePath = "" }];
        }));
        Assert.Contains(Environment.ProcessId, withoutDefaults.Scan().Current.Keys);
    }

    [Fact]
    public void NoCriteriaSelectsNothing()
    {
        var discovery = new ProcessDiscovery(Args(_ => { }));
        Assert.False(discovery.HasCriteria);
        Assert.Empty(discovery.Scan().Current);
    }

    [Fact]
    public void NetlinkListsTheSameListeningSocketsAsProcNetTcp()
    {
        // A listener of each family and an accepted connection of our own, so both tables hold more than listeners.
        using var v4 = new TcpListener(IPAddress.Loopback, 0);
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        v4.Start();
        v6.Start();
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, ((IPEndPoint)v4.LocalEndpoint).Port);
        using var accepted = v4.AcceptTcpClient();

        var fromNetlink = new Dictionary<long, int>();
        Assert.True(SockDiag.TryReadListeners(fromNetlink), "NETLINK_SOCK_DIAG should answer on Linux");
        var fromProc = new Dictionary<long, int>();
        ProcFs.ParseTcpTable("/proc/self/net/tcp", fromProc);
        ProcFs.ParseTcpTable("/proc/self/net/tcp6", fromProc);

        // Other tests open and close listeners meanwhile: compare on ours (same inode for the same port).
        foreach (var port in new[] { ((IPEndPoint)v4.LocalEndpoint).Port, ((IPEndPoint)v6.LocalEndpoint).Port })
        {
            Assert.Contains(port, fromNetlink.Values);
            Assert.Equal(fromProc.Where(e => e.Value == port).OrderBy(e => e.Key), fromNetlink.Where(e => e.Value == port).OrderBy(e => e.Key));
        }

        // A connected socket is not a listener.
        Assert.DoesNotContain(((IPEndPoint)client.Client.LocalEndPoint!).Port, fromNetlink.Values);
    }

    [Fact]
    public void TcpTableParserKeepsOnlyListeningSockets()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path,
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n" +
                "   1: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 67890 1 0000000000000000 20 4 30 10 -1\n");
            var listeners = new Dictionary<long, int>();
            ProcFs.ParseTcpTable(path, listeners);
            Assert.Equal(new Dictionary<long, int> { [12345] = 8080 }, listeners);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
