using System.Reflection;
using River.Values;
using Xunit;

namespace River.Tests.Values;

/// <summary>
/// Schema accessors use the code River.Generators wrote when there is some (this assembly's public schema classes
/// included); otherwise they start on reflection and switch to compiled delegates after
/// <see cref="CompiledAccessors.CompileAfter"/> uses: every path must behave the same, including the errors reflection reports.
/// </summary>
public sealed class CompiledAccessorTests
{
    private static readonly int Uses = (CompiledAccessors.CompileAfter * 2) + 5;

    [Fact]
    public void AFieldReadsAndWritesTheSameBeforeAndAfterItIsCompiled()
    {
        var schema = RiverSchema.For(typeof(Sample))!;
        var name = schema.Fields.Single(f => f.Name == "name");
        var count = schema.Fields.Single(f => f.Name == "count");
        for (var i = 0; i < Uses; i++)
        {
            var sample = new Sample();
            name.SetValue(sample, $"n{i}");
            count.SetValue(sample, i);
            Assert.Equal($"n{i}", name.GetValue(sample));
            Assert.Equal(i, count.GetValue(sample));

            // null into a value type writes its default, as PropertyInfo.SetValue does.
            count.SetValue(sample, null);
            Assert.Equal(0, sample.Count);
        }
    }

    [Fact]
    public void ASetterExceptionArrivesWrappedInBothPhases()
    {
        var limit = RiverSchema.For(typeof(Sample))!.Fields.Single(f => f.Name == "limit");
        for (var i = 0; i < Uses; i++)
        {
            var error = Assert.Throws<TargetInvocationException>(() => limit.SetValue(new Sample(), -1));
            Assert.StartsWith("limit must not be negative", error.InnerException!.Message, StringComparison.Ordinal);
            var sample = new Sample();
            limit.SetValue(sample, i);
            Assert.Equal(i, sample.Limit);
        }
    }

    [Fact]
    public void AValueOfTheWrongTypeIsRejectedInBothPhases()
    {
        var count = RiverSchema.For(typeof(Sample))!.Fields.Single(f => f.Name == "count");
        for (var i = 0; i < Uses; i++)
        {
            Assert.Throws<ArgumentException>(() => count.SetValue(new Sample(), "not a number"));
        }
    }

    [Fact]
    public void CreateMakesFreshInstancesAndWrapsConstructorErrorsInBothPhases()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < Uses; i++)
        {
            var created = Assert.IsType<Sample>(CompiledAccessors.Create(typeof(Sample)));
            Assert.True(seen.Add(created));
            var error = Assert.Throws<TargetInvocationException>(() => CompiledAccessors.Create(typeof(Throwing)));
            Assert.IsType<InvalidOperationException>(error.InnerException);
        }
    }

    [Fact]
    public void TheInvokerAccessorsOfTheNativeBuildBehaveAsReflection()
    {
        // What the AOT executable uses instead of compiling (it has no JIT); tests run with a JIT, so directly.
        var property = (string name) => typeof(Sample).GetProperty(name)!;
        var setName = CompiledAccessors.InvokerSetter(property("Name"));
        var setCount = CompiledAccessors.InvokerSetter(property("Count"));
        var setLimit = CompiledAccessors.InvokerSetter(property("Limit"));
        var getCount = CompiledAccessors.InvokerGetter(property("Count"));
        var sample = new Sample();
        setName(sample, "n");
        setCount(sample, 7);
        Assert.Equal("n", sample.Name);
        Assert.Equal(7, getCount(sample));
        setCount(sample, null);
        Assert.Equal(0, sample.Count);
        Assert.Throws<ArgumentException>(() => setCount(sample, "not a number"));
        var error = Assert.Throws<TargetInvocationException>(() => setLimit(sample, -1));
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);

        var created = Assert.IsType<Sample>(CompiledAccessors.CreateByInvoker(typeof(Sample)));
        Assert.NotSame(created, CompiledAccessors.CreateByInvoker(typeof(Sample)));
        Assert.Equal(0, Assert.IsType<int>(CompiledAccessors.CreateByInvoker(typeof(int))));
        var failed = Assert.Throws<TargetInvocationException>(() => CompiledAccessors.CreateByInvoker(typeof(Throwing)));
        Assert.IsType<InvalidOperationException>(failed.InnerException);
        Assert.Throws<MissingMethodException>(() => CompiledAccessors.CreateByInvoker(typeof(NoDefaultConstructor)));
    }

    [Fact]
    public void TheGeneratedAccessorsBehaveAsReflection()
    {
        // River.Generators writes them for this assembly's schema classes too; the wrappers add reflection's errors.
        var property = (string name) => typeof(Sample).GetProperty(name)!;
        Assert.NotNull(RiverAccessors.Constructor(typeof(Sample)));
        var setName = CompiledAccessors.GeneratedSetter(property("Name"))!;
        var setCount = CompiledAccessors.GeneratedSetter(property("Count"))!;
        var setLimit = CompiledAccessors.GeneratedSetter(property("Limit"))!;
        var getCount = CompiledAccessors.GeneratedGetter(property("Count"))!;
        var sample = Assert.IsType<Sample>(CompiledAccessors.Create(typeof(Sample)));
        setName(sample, "n");
        setCount(sample, 7);
        Assert.Equal("n", sample.Name);
        Assert.Equal(7, getCount(sample));
        setName(sample, null);
        setCount(sample, null);
        Assert.Null(sample.Name);
        Assert.Equal(0, sample.Count);
        Assert.Throws<ArgumentException>(() => setCount(sample, "not a number"));
        Assert.Throws<ArgumentException>(() => setName(sample, 5));
        var error = Assert.Throws<TargetInvocationException>(() => setLimit(sample, -1));
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);

        // An init-only property is written after construction, as reflection writes it.
        var setMode = CompiledAccessors.GeneratedSetter(property("Mode"))!;
        setMode(sample, "fast");
        Assert.Equal("fast", sample.Mode);
        setMode(sample, null);
        Assert.Null(sample.Mode);

        // No generated code for a class River does not describe, nor for a nested class the generated code cannot name.
        Assert.Null(RiverAccessors.Constructor(typeof(Throwing)));
        Assert.Null(RiverAccessors.Constructor(typeof(Hidden)));
        Assert.Null(RiverAccessors.Setter(typeof(Hidden).GetProperty(nameof(Hidden.Value))!));
        var hidden = Assert.IsType<Hidden>(CompiledAccessors.Create(typeof(Hidden)));
        RiverSchema.For(typeof(Hidden))!.Fields[0].SetValue(hidden, "by reflection");
        Assert.Equal("by reflection", hidden.Value);
    }

    /// <summary>A class without a parameterless constructor.</summary>
    public sealed class NoDefaultConstructor(int value)
    {
        /// <summary>The value.</summary>
        public int Value => value;
    }

    /// <summary>A schema class with a reference, a value and a validating property.</summary>
    public sealed class Sample
    {
        private int _limit;

        /// <summary>A string attribute.</summary>
        [River("name")]
        public string? Name { get; set; }

        /// <summary>A value-type attribute.</summary>
        [River("count")]
        public int Count { get; set; }

        /// <summary>An init-only attribute (argument classes often are).</summary>
        [River("mode")]
        public string? Mode { get; init; }

        /// <summary>An attribute whose setter rejects negative values.</summary>
        [River("limit")]
        public int Limit
        {
            get => _limit;
            set => _limit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "limit must not be negative");
        }
    }

    /// <summary>A schema class only reflection can reach (private).</summary>
    private sealed class Hidden
    {
        /// <summary>A string attribute.</summary>
        [River("value")]
        public string? Value { get; set; }
    }

    /// <summary>A class whose constructor always fails.</summary>
    public sealed class Throwing
    {
        /// <summary>Throws.</summary>
        public Throwing() => throw new InvalidOperationException("no");
    }
}
