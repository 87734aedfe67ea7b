package com.acme.examples;

import com.acme.examples.orders.OrderServer;
import com.acme.examples.users.UserServer;
import java.util.Arrays;

/** Entry point of the fat jar: `java -jar transmesh-examples.jar users|orders [flags]`. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    String[] rest = args.length > 0 ? Arrays.copyOfRange(args, 1, args.length) : args;
    switch (mode) {
      case "users", "UserServer" -> UserServer.main(rest);
      case "orders", "OrderServer" -> OrderServer.main(rest);
      default -> {
        System.err.println("usage: java -jar transmesh-examples.jar users [--port 50051] [--host 0.0.0.0] [--reflection on|off]");
        System.err.println("       java -jar transmesh-examples.jar orders [--port 9090] [--host 0.0.0.0]"
            + " [--transport framed|buffered] [--protocol binary|compact]");
        System.exit(2);
      }
    }
  }
}
