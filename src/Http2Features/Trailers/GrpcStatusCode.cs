namespace Http2Features;

/// <summary>
/// gRPC status codes (grpc/doc/statuscodes.md), sent as the <c>grpc-status</c> trailer. Member names and numeric values
/// are those of <c>Grpc.Core.StatusCode</c> (a test pins them), so an app that uses Grpc.Core converts with a cast:
/// <c>(GrpcStatusCode)(int)Grpc.Core.StatusCode.NotFound</c>, and back with <c>(Grpc.Core.StatusCode)(int)code</c>.
/// The pack does not reference Grpc.Core itself: it depends on the ASP.NET Core shared framework only.
/// </summary>
public enum GrpcStatusCode
{
    /// <summary>Not an error.</summary>
    OK = 0,

    /// <summary>The operation was cancelled, typically by the caller.</summary>
    Cancelled = 1,

    /// <summary>Unknown error.</summary>
    Unknown = 2,

    /// <summary>The client specified an invalid argument.</summary>
    InvalidArgument = 3,

    /// <summary>The deadline expired before the operation could complete.</summary>
    DeadlineExceeded = 4,

    /// <summary>Some requested entity was not found.</summary>
    NotFound = 5,

    /// <summary>The entity that a client attempted to create already exists.</summary>
    AlreadyExists = 6,

    /// <summary>The caller does not have permission.</summary>
    PermissionDenied = 7,

    /// <summary>Some resource has been exhausted.</summary>
    ResourceExhausted = 8,

    /// <summary>The system is not in a state required for the operation.</summary>
    FailedPrecondition = 9,

    /// <summary>The operation was aborted.</summary>
    Aborted = 10,

    /// <summary>The operation was attempted past the valid range.</summary>
    OutOfRange = 11,

    /// <summary>The operation is not implemented or not supported.</summary>
    Unimplemented = 12,

    /// <summary>Internal error.</summary>
    Internal = 13,

    /// <summary>The service is currently unavailable.</summary>
    Unavailable = 14,

    /// <summary>Unrecoverable data loss or corruption.</summary>
    DataLoss = 15,

    /// <summary>The request does not have valid authentication credentials.</summary>
    Unauthenticated = 16,
}
