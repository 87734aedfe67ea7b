package com.acme.examples.orders;

import acme.orders.thrift.LineItem;
import acme.orders.thrift.Order;
import acme.orders.thrift.OrderStatus;
import acme.shared.thrift.Currency;
import acme.shared.thrift.Money;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** In-memory orders by id. Callers get copies: Thrift structs are mutable. */
final class OrderStore {
  /** The order (and user) id at the 64-bit edge: Long.MAX_VALUE. */
  static final long MAX_ID = Long.MAX_VALUE;

  private final NavigableMap<Long, Order> byId = new TreeMap<>();
  private long nextId = 5000;

  static OrderStore seeded() {
    OrderStore s = new OrderStore();
    Order first = new Order().setId(1001L).setUserId(1L).setStatus(OrderStatus.PAID);
    first.setItems(new ArrayList<>(List.of(
        new LineItem("BOOK-1", 2, new Money(Currency.EUR, 1999L)),
        new LineItem("PEN-7", 1, new Money(Currency.EUR, 250L)))));
    first.setTotals(new HashMap<>(Map.of("EUR", 4248L)));
    first.setHistory(new HashMap<>(Map.of(1705312800000L, OrderStatus.PENDING, 1705316400000L, OrderStatus.PAID)));
    first.setTags(new HashSet<>(Set.of("gift")));
    first.setNote("leave at the door");
    first.setCreatedAtMillis(1705312800000L);
    s.byId.put(first.getId(), first);

    // A refund: negative 64-bit amounts.
    Order refund = new Order().setId(1002L).setUserId(2L).setStatus(OrderStatus.CANCELLED);
    refund.setItems(new ArrayList<>(List.of(new LineItem("REFUND-1", 1, new Money(Currency.USD, -500L)))));
    refund.setTotals(new HashMap<>(Map.of("USD", -500L)));
    refund.setHistory(new HashMap<>(Map.of(1706745600000L, OrderStatus.CANCELLED)));
    refund.setTags(new HashSet<>());
    refund.setCreatedAtMillis(1706745600000L);
    s.byId.put(refund.getId(), refund);

    // The 64-bit edge everywhere: id, user id, amount, map value and map key.
    Order edge = new Order().setId(MAX_ID).setUserId(MAX_ID).setStatus(OrderStatus.SHIPPED);
    edge.setItems(new ArrayList<>(List.of(new LineItem("EDGE-1", 1, new Money(Currency.USD, MAX_ID)))));
    edge.setTotals(new HashMap<>(Map.of("USD", MAX_ID)));
    edge.setHistory(new HashMap<>(Map.of(1704067200000L, OrderStatus.PENDING, MAX_ID, OrderStatus.SHIPPED)));
    edge.setTags(new HashSet<>(Set.of("fixture", "int64-edge")));
    edge.setCreatedAtMillis(1704067200000L);
    s.byId.put(edge.getId(), edge);
    return s;
  }

  synchronized Order get(long id) {
    Order o = byId.get(id);
    return o == null ? null : o.deepCopy();
  }

  synchronized Order create(Order order) {
    while (byId.containsKey(nextId)) nextId++;
    Order stored = order.deepCopy();
    stored.setId(nextId++);
    byId.put(stored.getId(), stored);
    return stored.deepCopy();
  }

  /** Applies {@code change} to the stored order; false when there is no such order. */
  synchronized boolean update(long id, UnaryOperator<Order> change) {
    Order o = byId.get(id);
    if (o == null) return false;
    byId.put(id, change.apply(o));
    return true;
  }

  synchronized List<Order> byUser(long userId, OrderStatus status) {
    List<Order> out = new ArrayList<>();
    for (Order o : byId.values()) {
      if (o.getUserId() == userId && (status == null || o.getStatus() == status)) out.add(o.deepCopy());
    }
    return out;
  }
}
