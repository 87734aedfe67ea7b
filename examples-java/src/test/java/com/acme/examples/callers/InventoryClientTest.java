package com.acme.examples.callers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import acme.inventory.thrift.InventoryService;
import acme.inventory.thrift.ItemNotFound;
import acme.inventory.thrift.OutOfStock;
import acme.inventory.thrift.StockLevel;
import java.net.InetSocketAddress;
import java.util.Map;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.TMultiplexedProcessor;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.server.TServer;
import org.apache.thrift.server.TThreadPoolServer;
import org.apache.thrift.transport.TServerSocket;
import org.apache.thrift.transport.layered.TFramedTransport;
import org.junit.jupiter.api.Test;

/**
 * The Thrift caller against a plain multiplexing Apache Thrift server (framed binary, the service
 * registered as inventory.InventoryService, as a sidecar's --thrift-listen names it), answering
 * as the PHP app of examples-php/catalog.php answers through the mesh.
 */
class InventoryClientTest {
  /** The PHP app's answers, with the mesh's mapping of an undeclared error applied. */
  static class AsThePhpApp implements InventoryService.Iface {
    private static final Map<Long, Integer> STOCK = Map.of(1L, 12, 2L, 0, Long.MAX_VALUE, 1);
    private final int shift;

    AsThePhpApp(int shift) {
      this.shift = shift;
    }

    @Override
    public StockLevel getStock(long itemId) throws ItemNotFound {
      return new StockLevel(itemId, available(itemId) + shift, "plain-thrift");
    }

    @Override
    public StockLevel reserve(long itemId, int quantity) throws ItemNotFound, OutOfStock, TApplicationException {
      int available = available(itemId);
      if (available < quantity) throw new OutOfStock("only " + available + " in stock", itemId, available);
      if (quantity < 1) throw new TApplicationException(TApplicationException.INTERNAL_ERROR, "INVALID_ARGUMENT: quantity must be at least 1");
      return new StockLevel(itemId, available - quantity, "plain-thrift");
    }

    @Override
    public long totalUnits() {
      return 13;
    }

    private int available(long itemId) throws ItemNotFound {
      Integer n = STOCK.get(itemId);
      if (n == null) throw new ItemNotFound("no item " + itemId, itemId);
      return n;
    }
  }

  static int runAgainst(InventoryService.Iface impl) throws Exception {
    TMultiplexedProcessor processor = new TMultiplexedProcessor();
    processor.registerProcessor("inventory.InventoryService", new InventoryService.Processor<>(impl));
    TServerSocket socket = new TServerSocket(new InetSocketAddress("127.0.0.1", 0));
    TServer server = new TThreadPoolServer(new TThreadPoolServer.Args(socket).processor(processor)
        .transportFactory(new TFramedTransport.Factory()).protocolFactory(new TBinaryProtocol.Factory()));
    Thread serving = new Thread(server::serve, "inventory-test");
    serving.start();
    try {
      int port = socket.getServerSocket().getLocalPort();
      return InventoryClient.run(new String[] {"--port", String.valueOf(port), "--check"});
    } finally {
      server.stop();
      serving.join(5000);
    }
  }

  @Test
  void everyAnswerAsExpected() throws Exception {
    assertEquals(0, runAgainst(new AsThePhpApp(0)));
  }

  @Test
  void aWrongAnswerFailsTheCheck() throws Exception {
    assertEquals(1, runAgainst(new AsThePhpApp(1)));
  }
}
