package com.acme.examples.callers;

import acme.inventory.thrift.InventoryService;
import acme.inventory.thrift.ItemNotFound;
import acme.inventory.thrift.OutOfStock;
import acme.inventory.thrift.StockLevel;
import com.acme.examples.Flags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.thrift.TApplicationException;
import org.apache.thrift.protocol.TBinaryProtocol;
import org.apache.thrift.protocol.TMultiplexedProtocol;
import org.apache.thrift.protocol.TProtocol;
import org.apache.thrift.transport.TSocket;
import org.apache.thrift.transport.TTransport;
import org.apache.thrift.transport.layered.TFramedTransport;

/**
 * A plain Apache Thrift caller of inventory.InventoryService (served by the PHP app of
 * examples-php/catalog.php) through its own sidecar's --thrift-listen port: framed binary, with
 * TMultiplexedProtocol and the registry's service name, as any multiplexing Thrift client.
 *
 * <p>`inventory-client [--host 127.0.0.1] [--port 15002] [--service inventory.InventoryService] [--check]`;
 * `--service ""` calls without TMultiplexedProtocol (a listener started as ADDR=SVC).
 */
public final class InventoryClient {
  private InventoryClient() {}

  public static int run(String[] argv) throws Exception {
    List<String> args = new ArrayList<>(Arrays.asList(argv));
    boolean check = Checks.takeCheck(args);
    Flags flags = Flags.parse("inventory-client", args.toArray(String[]::new),
        Map.of("host", "127.0.0.1", "port", "15002", "service", "inventory.InventoryService"));
    TTransport transport = new TFramedTransport(new TSocket(flags.get("host"), flags.port("inventory-client"), 10_000));
    transport.open();
    try {
      TProtocol protocol = new TBinaryProtocol(transport);
      String service = flags.get("service");
      InventoryService.Client client = new InventoryService.Client(service.isEmpty() ? protocol : new TMultiplexedProtocol(protocol, service));
      Checks checks = new Checks("java thrift client");
      calls(checks, client);
      return checks.finish(check);
    } finally {
      transport.close();
    }
  }

  private static void calls(Checks checks, InventoryService.Client c) {
    checks.answer("getStock(itemId=9223372036854775807)", () -> c.getStock(Long.MAX_VALUE),
        (StockLevel s) -> s.getItemId() == Long.MAX_VALUE && s.getAvailable() == 1 && s.isSetServedBy());
    checks.answer("reserve(itemId=1, quantity=5)", () -> c.reserve(1, 5), (StockLevel s) -> s.getItemId() == 1 && s.getAvailable() == 7);
    checks.answer("totalUnits()", c::totalUnits, (Long n) -> n == 13);
    thrown(checks, "getStock(itemId=5), no such item", () -> c.getStock(5),
        (Exception e) -> e instanceof ItemNotFound nf && nf.getItemId() == 5);
    thrown(checks, "reserve(itemId=2, quantity=1), none in stock", () -> c.reserve(2, 1),
        (Exception e) -> e instanceof OutOfStock o && o.getItemId() == 2 && o.getAvailable() == 0);
    thrown(checks, "reserve(itemId=1, quantity=0), an error the IDL does not declare", () -> c.reserve(1, 0),
        (Exception e) -> e instanceof TApplicationException a && a.getType() == TApplicationException.INTERNAL_ERROR
            && a.getMessage().startsWith("INVALID_ARGUMENT"));
  }

  private static void thrown(Checks checks, String call, Checks.Call<?> run, java.util.function.Predicate<Exception> expected) {
    try {
      checks.saw(call, "answered " + run.run(), false);
    } catch (Exception e) {
      String type = e instanceof TApplicationException a ? "TApplicationException(type " + a.getType() + ")" : e.getClass().getSimpleName();
      checks.saw(call, type + ": " + e, expected.test(e));
    }
  }
}
