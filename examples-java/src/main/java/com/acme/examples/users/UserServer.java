package com.acme.examples.users;

import com.acme.examples.Flags;
import com.acme.examples.Lifecycle;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The gRPC provider: `UserServer --port 50051`. Knows nothing about the mesh. */
public final class UserServer {
  private final Server server;
  private final ScheduledExecutorService timer;

  private UserServer(Server server, ScheduledExecutorService timer) {
    this.server = server;
    this.timer = timer;
  }

  /** Binds and starts; port 0 picks a free port (see {@link #port()}). */
  public static UserServer start(String host, int port) throws IOException {
    return start(host, port, false);
  }

  /**
   * As above; with {@code reflection} the server also answers gRPC reflection (v1), so
   * {@code transmesh idl push --reflect host:port} can read its .proto files.
   */
  public static UserServer start(String host, int port, boolean reflection) throws IOException {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "users-delay");
      t.setDaemon(true);
      return t;
    });
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(new UserServiceImpl(UserStore.seeded(), timer));
    if (reflection) builder.addService(ProtoReflectionServiceV1.newInstance());
    Server server = builder.intercept(new EchoMetadataInterceptor()).build().start();
    return new UserServer(server, timer);
  }

  public int port() {
    return server.getPort();
  }

  /** Stops taking calls, lets in-flight calls finish for up to 5 s, then cuts the rest. */
  public void drain() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    timer.shutdownNow();
  }

  public static void main(String[] args) throws IOException {
    Flags flags = Flags.parse("UserServer", args, Map.of("port", "50051", "host", "0.0.0.0", "reflection", "off"));
    String reflection = flags.get("reflection");
    if (!reflection.equals("on") && !reflection.equals("off")) {
      System.err.println("UserServer: --reflection must be on or off, got " + reflection);
      System.exit(2);
    }
    UserServer s = start(flags.get("host"), flags.port("UserServer"), reflection.equals("on"));
    Lifecycle.ready(s.port());
    Lifecycle.awaitTermination("UserServer", s::drain);
  }
}
