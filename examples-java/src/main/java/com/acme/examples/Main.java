package com.acme.examples;

import com.acme.examples.callers.CatalogClient;
import com.acme.examples.callers.InventoryClient;
import com.acme.examples.orders.OrderServer;
import com.acme.examples.users.UserServer;
import java.util.Arrays;

/** Entry point of the fat jar: `java -jar transmesh-examples.jar users|orders|catalog-client|inventory-client [flags]`. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
    switch (mode) {
      case "users", "UserServer" -> UserServer.main(rest);
      case "orders", "OrderServer" -> OrderServer.main(rest);
      case "catalog-client" -> System.exit(CatalogClient.run(rest));
      case "inventory-client" -> System.exit(InventoryClient.run(rest));
      default -> {
        System.err.println("usage: java -jar transmesh-examples.jar users [--port 50051] [--host 0.0.0.0] [--reflection on|off]");
        System.err.println("       java -jar transmesh-examples.jar orders [--port 9090] [--host 0.0.0.0]"
            + " [--transport framed|buffered] [--protocol binary|compact]");
        System.err.println("       java -jar transmesh-examples.jar catalog-client [--target localhost:15001] [--route fpm] [--quota-probe N] [--check]");
        System.err.println("       java -jar transmesh-examples.jar inventory-client [--host 127.0.0.1] [--port 15002]"
            + " [--service inventory.InventoryService] [--check]");
        System.exit(2);
      }
    }
  }
}
