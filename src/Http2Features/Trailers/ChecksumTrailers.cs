namespace Http2Features;

/// <summary>Body checksums the checksum producer computes while the body streams and sends as trailers.</summary>
[Flags]
public enum ChecksumTrailers
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary><c>content-md5</c>: lower-case hex MD5 of the body bytes, as gunicorn's trailers example sends (not base64 as in the obsolete RFC 1864).</summary>
    ContentMd5 = 1,

    /// <summary><c>repr-digest: sha-256=:base64:</c> (RFC 9530, RFC 8941 byte sequence).</summary>
    ReprDigestSha256 = 2,

    /// <summary><c>repr-digest: sha-512=:base64:</c> (RFC 9530, RFC 8941 byte sequence).</summary>
    ReprDigestSha512 = 4,
}

/// <summary>Names of the trailers the ready-made producers send.</summary>
public static class TrailerNames
{
    /// <summary><c>content-md5</c>.</summary>
    public const string ContentMd5 = "content-md5";

    /// <summary><c>repr-digest</c> (RFC 9530 §3).</summary>
    public const string ReprDigest = "repr-digest";

    /// <summary><c>server-timing</c> (W3C Server Timing).</summary>
    public const string ServerTiming = "server-timing";

    /// <summary><c>grpc-status</c>.</summary>
    public const string GrpcStatus = "grpc-status";

    /// <summary><c>grpc-message</c>.</summary>
    public const string GrpcMessage = "grpc-message";
}
