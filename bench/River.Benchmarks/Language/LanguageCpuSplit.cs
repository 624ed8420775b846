using System.Runtime.InteropServices;
using River.Benchmarks.Syntax;

namespace River.Benchmarks.Language;

/// <summary>
/// The language benchmark's stages timed by the running thread's CPU clock instead of the wall clock: on a shared,
/// loaded machine BenchmarkDotNet's wall-clock means mostly measure waiting for a core (and garbage collections
/// stretched by it), while the thread's CPU time is what the code costs. Prints, per stage, the best of N rounds, the mean (which includes the rounds that collected garbage, as a
/// BenchmarkDotNet mean does) with the garbage collector's pause time in it, and
/// the collections per round (all generations, and how many of them reached gen1 or gen2) and the bytes allocated
/// by the calling thread; then the best process CPU time (all threads: a large file is parsed on several), the best
/// wall time and the bytes allocated by all threads. Not a replacement for the BenchmarkDotNet figures on a quiet machine.
/// Run: <c>dotnet run -c Release --project bench/River.Benchmarks -- language-cpu [ROUNDS]</c>.
/// </summary>
public static partial class LanguageCpuSplit
{
    private const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID on Linux
    private const int ProcessCpuClock = 2; // CLOCK_PROCESS_CPUTIME_ID: every thread (the parse of a large file uses several)

    /// <summary>Runs the rounds and prints the table.</summary>
    public static void Run(int rounds)
    {
        var language = new LanguageBenchmarks { Blocks = 10_000 };
        language.Setup();
        var parse = new ParseBenchmarks { Blocks = 10_000 };
        parse.Setup();
        var stages = new (string Name, Func<int> Work)[]
        {
            ("System.Text.Json JsonDocument.Parse + walk", language.JsonDom),
            ("River scanner only", parse.Scan),
            ("River parse (scanner + ANTLR + AST)", parse.Parse),
            ("River parse + evaluate into typed arguments", language.ParseAndEvaluate),
        };

        var best = new double[stages.Length];
        var collections = new int[stages.Length];
        var older = new int[stages.Length];
        var full = new int[stages.Length];
        var allocated = new long[stages.Length];
        var allocatedAll = new long[stages.Length];
        var total = new double[stages.Length];
        var paused = new double[stages.Length];
        var bestProcess = new double[stages.Length];
        var bestWall = new double[stages.Length];
        Array.Fill(best, double.MaxValue);
        Array.Fill(bestProcess, double.MaxValue);
        Array.Fill(bestWall, double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < stages.Length; i++)
            {
                var gcBefore = GC.CollectionCount(0);
                var gen1Before = GC.CollectionCount(1);
                var gen2Before = GC.CollectionCount(2);
                var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
                var allBytesBefore = GC.GetTotalAllocatedBytes(precise: true);
                var pauseBefore = GC.GetTotalPauseDuration();
                var processStart = CpuMilliseconds(ProcessCpuClock);
                var wall = System.Diagnostics.Stopwatch.StartNew();
                var start = CpuMilliseconds(ThreadCpuClock);
                stages[i].Work();
                var spent = CpuMilliseconds(ThreadCpuClock) - start;
                bestWall[i] = Math.Min(bestWall[i], wall.Elapsed.TotalMilliseconds);
                bestProcess[i] = Math.Min(bestProcess[i], CpuMilliseconds(ProcessCpuClock) - processStart);
                best[i] = Math.Min(best[i], spent);
                total[i] += spent;
                paused[i] += (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds;
                allocated[i] = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
                allocatedAll[i] = GC.GetTotalAllocatedBytes(precise: true) - allBytesBefore;
                collections[i] += GC.CollectionCount(0) - gcBefore;
                older[i] += GC.CollectionCount(1) - gen1Before;
                full[i] += GC.CollectionCount(2) - gen2Before;
            }
        }

        Console.WriteLine($"thread CPU time, best of {rounds} rounds; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        for (var i = 0; i < stages.Length; i++)
        {
            Console.WriteLine($"{stages[i].Name,-46} {best[i],8:F1} ms  {best[i] / best[0],5:F1}x JSON  mean {total[i] / rounds,6:F1} ms (GC pauses {paused[i] / rounds,5:F1} ms)  {(double)collections[i] / rounds,4:F1} GCs/round ({(double)older[i] / rounds:F1} gen1+, {(double)full[i] / rounds:F1} gen2)  {allocated[i] / 1e6,6:F1} MB allocated (this thread)");
        }

        // A large file is parsed on several threads, which the calling thread's clock does not see: the process's
        // CPU time (all threads, the runtime's included) is the work, the wall time what a caller waits for.
        Console.WriteLine($"process CPU time and wall time, best of {rounds} rounds ({Environment.ProcessorCount} cores)");
        for (var i = 0; i < stages.Length; i++)
        {
            Console.WriteLine($"{stages[i].Name,-46} CPU {bestProcess[i],8:F1} ms  {bestProcess[i] / bestProcess[0],5:F1}x JSON   wall {bestWall[i],8:F1} ms  {bestWall[i] / bestWall[0],5:F1}x JSON  {allocatedAll[i] / 1e6,6:F1} MB allocated (all threads)");
        }
    }

    private static double CpuMilliseconds(int clock)
    {
        if (Native.ClockGetTime(clock, out var ts) != 0)
        {
            throw new InvalidOperationException($"clock_gettime({clock}) failed");
        }

        return (ts.Seconds * 1000.0) + (ts.Nanoseconds / 1e6);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "clock_gettime")]
        public static partial int ClockGetTime(int clock, out TimeSpec time);
    }
}
