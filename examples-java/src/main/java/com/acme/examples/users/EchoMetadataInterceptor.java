package com.acme.examples.users;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Sends request metadata whose key starts with `x-echo-` back as response headers, so a caller
 * can see `grpc-metadata-<key>` travel through the mesh in both directions.
 */
final class EchoMetadataInterceptor implements ServerInterceptor {
  static final String PREFIX = "x-echo-";

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Metadata echo = new Metadata();
    for (String key : headers.keys()) {
      if (!key.startsWith(PREFIX) || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) continue;
      Metadata.Key<String> k = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
      for (String v : headers.getAll(k)) echo.put(k, v);
    }
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata responseHeaders) {
        responseHeaders.merge(echo);
        super.sendHeaders(responseHeaders);
      }
    }, headers);
  }
}
