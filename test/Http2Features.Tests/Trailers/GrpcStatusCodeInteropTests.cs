using FluentAssertions;

namespace Http2Features.Tests.Trailers;

public class GrpcStatusCodeInteropTests
{
    // The documented conversion is a cast through int: it is only right while both enums agree member for member.
    [Fact]
    public void GrpcStatusCode_has_the_names_and_values_of_Grpc_Core_StatusCode()
    {
        var ours = Enum.GetValues<GrpcStatusCode>().ToDictionary(v => v.ToString(), v => (int)v);
        var theirs = Enum.GetValues<Grpc.Core.StatusCode>().ToDictionary(v => v.ToString(), v => (int)v);

        ours.Should().Equal(theirs);
    }

    [Fact]
    public void A_cast_through_int_converts_both_ways()
    {
        ((GrpcStatusCode)(int)Grpc.Core.StatusCode.NotFound).Should().Be(GrpcStatusCode.NotFound);
        ((Grpc.Core.StatusCode)(int)GrpcStatusCode.Unauthenticated).Should().Be(Grpc.Core.StatusCode.Unauthenticated);
    }
}
