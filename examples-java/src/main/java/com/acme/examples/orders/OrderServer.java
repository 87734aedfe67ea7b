package com.acme.examples.orders;

import acme.orders.thrift.OrderService;
import com.acme.examples.Flags;
import com.acme.examples.Lifecycle;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TProtocolFactory;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.TTransportException;
import org.apache.thrift.transport.TTransportFactory;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * The Thrift provider: `OrderServer --port 9090`, framed binary by default (what the mesh's
 * `thrift://host:port` dials); `--transport buffered` and `--protocol compact` select the others.
 */
public final class OrderServer {
  private final TServer server;
  private final TServerSocket socket;
  private final Thread serving;

  private OrderServer(TServer server, TServerSocket socket) {
    this.server = server;
    this.socket = socket;
    this.serving = new Thread(server::serve, "orders-accept");
  }

  /** Binds and starts serving on a background thread; port 0 picks a free port. */
  public static OrderServer start(String host, int port, String transport, String protocol) throws TTransportException {
    TTransportFactory transports = switch (transport) {
      case "framed" -> new TFramedTransport.Factory();
      case "buffered" -> new TTransportFactory();
      default -> throw new IllegalArgumentException("--transport must be framed or buffered, got " + transport);
    };
    TProtocolFactory protocols = switch (protocol) {
      case "binary" -> new TBinaryProtocol.Factory();
      case "compact" -> new TCompactProtocol.Factory();
      default -> throw new IllegalArgumentException("--protocol must be binary or compact, got " + protocol);
    };
    TServerSocket socket = new TServerSocket(new InetSocketAddress(host, port));
    TThreadPoolServer.Args args = new TThreadPoolServer.Args(socket)
        .processor(new OrderService.Processor<>(new OrderHandler(OrderStore.seeded())))
        .transportFactory(transports)
        .protocolFactory(protocols)
        .minWorkerThreads(4)
        .maxWorkerThreads(64);
    // Idle client connections keep a worker each; do not wait the default 60 s for them on stop.
    args.stopTimeoutVal = 3;
    args.stopTimeoutUnit = TimeUnit.SECONDS;
    OrderServer s = new OrderServer(new TThreadPoolServer(args), socket);
    s.serving.start();
    return s;
  }

  public int port() {
    return socket.getServerSocket().getLocalPort();
  }

  /** Stops accepting; workers finish their current call (up to 3 s for open connections). */
  public void drain() {
    server.stop();
    try {
      serving.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static void main(String[] args) throws TTransportException {
    Flags flags = Flags.parse("OrderServer", args,
        Map.of("port", "9090", "host", "0.0.0.0", "transport", "framed", "protocol", "binary"));
    OrderServer s;
    try {
      s = start(flags.get("host"), flags.port("OrderServer"), flags.get("transport"), flags.get("protocol"));
    } catch (IllegalArgumentException e) {
      System.err.println("OrderServer: " + e.getMessage());
      System.exit(2);
      return;
    }
    Lifecycle.ready(s.port());
    Lifecycle.awaitTermination("OrderServer", s::drain);
  }
}
