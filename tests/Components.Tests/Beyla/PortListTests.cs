using River.Components.Beyla;

namespace River.Components.Tests.Beyla;

public class PortListTests
{
    [Fact]
    public void ListsAndRangesWithSpacesAreParsed()
    {
        var list = PortList.Parse(" 80, 443 ,8000 - 8999");
        Assert.Equal([(80, 80), (443, 443), (8000, 8999)], list.Ranges);
        Assert.True(list.Contains(80));
        Assert.True(list.Contains(443));
        Assert.True(list.Contains(8000));
        Assert.True(list.Contains(8500));
        Assert.True(list.Contains(8999));
        Assert.False(list.Contains(81));
        Assert.False(list.Contains(9000));
        Assert.False(list.Contains(7999));
    }

    [Fact]
    public void AnyOnePortInTheListIsEnough()
    {
        var list = PortList.Parse("80,443");
        Assert.True(list.ContainsAny([22, 443]));
        Assert.False(list.ContainsAny([22, 8080]));
    }

    [Fact]
    public void EmptyTextIsAnEmptyListThatMatchesNothing()
    {
        Assert.True(PortList.TryParse("", out var list, out var error));
        Assert.Null(error);
        Assert.True(list.IsEmpty);
        Assert.False(list.Contains(80));
    }

    [Theory]
    [InlineData("80,,443")]
    [InlineData("80;443")]
    [InlineData("-80")]
    [InlineData("80-")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("99999999999")]
    [InlineData("443-80")]
    [InlineData("eighty")]
    public void MalformedListsAreRejectedWithAReason(string text)
    {
        Assert.False(PortList.TryParse(text, out _, out var error));
        Assert.NotNull(error);
        Assert.Contains(text, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => PortList.Parse(text));
    }
}
