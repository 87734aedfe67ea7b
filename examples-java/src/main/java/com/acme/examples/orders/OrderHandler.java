package com.acme.examples.orders;

import acme.orders.thrift.LineItem;
import acme.orders.thrift.Order;
import acme.orders.thrift.OrderNotFound;
import acme.orders.thrift.OrderService;
import acme.orders.thrift.OrderStatus;
import acme.shared.thrift.InvalidArgument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** orders.OrderService over an in-memory {@link OrderStore}. */
final class OrderHandler implements OrderService.Iface {
  private final OrderStore store;

  OrderHandler(OrderStore store) {
    this.store = store;
  }

  @Override
  public Order getOrder(long id) throws OrderNotFound {
    Order o = store.get(id);
    if (o == null) throw notFound(id);
    return o;
  }

  @Override
  public Order createOrder(long userId, List<LineItem> items, Set<String> tags, String note) throws InvalidArgument {
    if (items == null || items.isEmpty()) throw new InvalidArgument("an order needs at least one item", "items");
    Map<String, Long> totals = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      LineItem item = items.get(i);
      if (item.getQuantity() < 1) {
        throw new InvalidArgument("quantity must be at least 1, got " + item.getQuantity(), "items[" + i + "].quantity");
      }
      try {
        long line = Math.multiplyExact(item.getUnitPrice().getAmountMinor(), (long) item.getQuantity());
        totals.merge(item.getUnitPrice().getCurrency().name(), line, Math::addExact);
      } catch (ArithmeticException e) {
        throw new InvalidArgument("total does not fit in 64 bits", "items[" + i + "]");
      }
    }
    long now = System.currentTimeMillis();
    Order order = new Order().setId(0L).setUserId(userId).setStatus(OrderStatus.PENDING);
    order.setItems(new ArrayList<>(items));
    order.setTotals(totals);
    order.setHistory(new HashMap<>(Map.of(now, OrderStatus.PENDING)));
    order.setTags(tags == null ? new HashSet<>() : new HashSet<>(tags));
    if (note != null && !note.isEmpty()) order.setNote(note);
    order.setCreatedAtMillis(now);
    return store.create(order);
  }

  @Override
  public List<Order> listOrders(long userId, OrderStatus status) {
    return store.byUser(userId, status);
  }

  @Override
  public long countOrders(long userId) {
    return store.byUser(userId, null).size();
  }

  @Override
  public void cancelOrder(long id, String reason) throws OrderNotFound {
    long now = System.currentTimeMillis();
    boolean found = store.update(id, o -> {
      o.setStatus(OrderStatus.CANCELLED);
      o.putToHistory(now, OrderStatus.CANCELLED);
      if (reason != null && !reason.isEmpty()) o.setNote("cancelled: " + reason);
      return o;
    });
    if (!found) throw notFound(id);
  }

  @Override
  public void recordEvent(long id, String event) {
    // oneway: nobody hears about an unknown id.
    store.update(id, o -> {
      o.addToTags("event:" + event);
      return o;
    });
  }

  private static OrderNotFound notFound(long id) {
    return new OrderNotFound("order " + id + " not found", id);
  }
}
