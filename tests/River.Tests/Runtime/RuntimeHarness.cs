using Microsoft.Extensions.Logging.Abstractions;
using River.Runtime;

namespace River.Tests.Runtime;

/// <summary>A controller over the test catalog, fed config texts directly.</summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    private readonly SocketsHttpHandler _handler = new();

    public RuntimeHarness(FailingStats? failing = null, StabilityLevel stability = StabilityLevel.GenerallyAvailable, TimeSpan? backoff = null)
    {
        Storage = Directory.CreateTempSubdirectory("river-runtime-").FullName;
        Controller = new ComponentController(new ControllerOptions
        {
            Registry = new ComponentRegistry(TestCatalog.Create(failing)),
            Evaluator = RiverComponentEvaluator.Instance,
            LoggerFactory = NullLoggerFactory.Instance,
            HttpHandler = _handler,
            StoragePath = Storage,
            Stability = stability,
            RestartBackoff = backoff ?? TimeSpan.FromMilliseconds(50),
            MaxRestartBackoff = TimeSpan.FromSeconds(1),
            ShutdownDeadline = TimeSpan.FromSeconds(10),
        });
        Controller.Start();
    }

    public ComponentController Controller { get; }

    public string Storage { get; }

    public async Task<ApplyResult> ApplyAsync(params (string Path, string Text)[] files)
    {
        var snapshot = ConfigReader.FromTexts(files);
        Assert.True(snapshot.Success, string.Join("\n", snapshot.Diagnostics));
        return await Controller.ApplyAsync(snapshot.Files);
    }

    public Task<ApplyResult> ApplyAsync(string text) => ApplyAsync(("main.alloy", text));

    public ComponentNode Node(string id)
    {
        Assert.True(Controller.TryGetComponent(id, out var node), $"component {id} is not installed");
        return node;
    }

    public T Instance<T>(string id)
        where T : class => Assert.IsType<T>(Node(id).Instance);

    /// <summary>Waits until <paramref name="condition"/> holds (the controller works on its own task).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting for: " + what);
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Controller.DisposeAsync();
        _handler.Dispose();
        Directory.Delete(Storage, recursive: true);
    }
}
