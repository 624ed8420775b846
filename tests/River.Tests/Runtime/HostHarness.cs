using River.Runtime;

namespace River.Tests.Runtime;

/// <summary>A real host on a free loopback port over a config directory in a temp folder.</summary>
public sealed class HostHarness : IAsyncDisposable
{
    private HostHarness(string directory, RiverHost host, StringWriter log)
    {
        Directory = directory;
        Host = host;
        Log = log;
        Client = new HttpClient();
    }

    public string Directory { get; }

    public RiverHost Host { get; }

    public StringWriter Log { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => Host.Server.Address ?? throw new InvalidOperationException("server not started");

    public string ConfigPath => Path.Combine(Directory, "main.alloy");

    public static async Task<(HostHarness Harness, ApplyResult Result)> StartAsync(string config, bool watch = false, TimeSpan? debounce = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("river-host-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "main.alloy"), config);
        var log = new StringWriter();
        var host = new RiverHost(new RunOptions
        {
            ConfigPath = directory,
            Catalog = TestCatalog.Create(),
            ListenAddress = "127.0.0.1:0",
            StoragePath = Path.Combine(directory, "data"),
            WatchConfig = watch,
            WatchDebounce = debounce ?? TimeSpan.FromMilliseconds(150),
            RestartBackoff = TimeSpan.FromMilliseconds(50),
            ErrorOutput = TextWriter.Synchronized(log),
            Version = "9.9.9",
        });
        var harness = new HostHarness(directory, host, log);
        var result = await host.StartAsync();
        return (harness, result);
    }

    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(BaseAddress, path));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<(int Status, string Body)> PostAsync(string path, string body = "")
    {
        using var content = new StringContent(body);
        using var response = await Client.PostAsync(new Uri(BaseAddress, path), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
