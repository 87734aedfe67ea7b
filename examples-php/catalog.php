<?php
// A PHP application that serves two mesh services from their IDL, called by Java through the mesh:
//   acme.catalog.v1.CatalogService  (idl/acme/catalog/v1/catalog.proto: gRPC callers)
//   inventory.InventoryService      (idl/inventory.thrift: Thrift callers)
//
//   php -S 127.0.0.1:8080 examples-php/catalog.php                         (PHP's built-in server)
//   php-fpm, and --provide SVC='fastcgi://127.0.0.1:9000?script=/abs/path/examples-php/catalog.php&int64=number'
//
// Nothing is kept between requests (each PHP request starts afresh): reserving takes from a
// fixed stock. See docs/java-php-interop.md.
declare(strict_types=1);

require __DIR__ . '/serve.php';

final class Stock
{
    /** @return array<int,array{id:int,sku:string,name:string,priceMinor:int,inStock:int}> */
    public static function items(): array
    {
        $items = [
            ['id' => 1, 'sku' => 'TEA-1', 'name' => 'Green tea', 'priceMinor' => 450, 'inStock' => 12],
            ['id' => 2, 'sku' => 'MUG-1', 'name' => 'Mug', 'priceMinor' => 1200, 'inStock' => 0],
            // The largest int64: it reaches Java exactly, through JSON, both ways.
            ['id' => PHP_INT_MAX, 'sku' => 'LAST-1', 'name' => 'The last item', 'priceMinor' => PHP_INT_MAX, 'inStock' => 1],
        ];
        return array_column($items, null, 'id');
    }

    public static function find(mixed $id): ?array
    {
        return is_int($id) ? (self::items()[$id] ?? null) : null;
    }
}

final class Catalog
{
    public function GetItem(array $req, TransmeshCall $call): array
    {
        $id = $req['id'] ?? 0;
        if ($id === 13) {
            // A bug on purpose: in_stock is an int32 in the IDL. The mesh refuses the answer as
            // INTERNAL, naming the field, instead of passing it on to the caller.
            return ['id' => 13, 'inStock' => 'plenty'];
        }
        if ($id === 500) {
            throw new LogicException('the catalog database is gone');
        }
        $item = Stock::find($id) ?? throw new MeshError('NOT_FOUND', "no item $id");
        $call->answerMetadata('served-by', PHP_SAPI);
        return $item + ['servedBy' => PHP_SAPI];
    }

    public function ListItems(array $req, TransmeshCall $call): array
    {
        $limit = $req['limit'] ?? 0;
        $items = array_values(Stock::items());
        return ['items' => $limit > 0 ? array_slice($items, 0, $limit) : $items, 'servedBy' => PHP_SAPI];
    }

    public function ReserveItem(array $req, TransmeshCall $call): array
    {
        $id = $req['id'] ?? 0;
        $quantity = $req['quantity'] ?? 0;
        if ($quantity < 1) {
            throw new MeshError('INVALID_ARGUMENT', "quantity must be at least 1, got $quantity");
        }
        $item = Stock::find($id) ?? throw new MeshError('NOT_FOUND', "no item $id");
        if ($item['inStock'] < $quantity) {
            throw new MeshError('FAILED_PRECONDITION', "only {$item['inStock']} of item $id in stock");
        }
        return ['itemId' => $id, 'quantity' => $quantity, 'reservedFor' => $call->caller, 'servedBy' => PHP_SAPI];
    }
}

final class Inventory
{
    public function getStock(array $args, TransmeshCall $call): array
    {
        $item = $this->item($args['itemId'] ?? 0);
        return ['itemId' => $item['id'], 'available' => $item['inStock'], 'servedBy' => PHP_SAPI];
    }

    public function reserve(array $args, TransmeshCall $call): array
    {
        $item = $this->item($args['itemId'] ?? 0);
        $quantity = $args['quantity'] ?? 0;
        if ($item['inStock'] < $quantity) {
            throw new ThriftException('inventory.OutOfStock', ['message' => "only {$item['inStock']} of item {$item['id']} in stock", 'itemId' => $item['id'], 'available' => $item['inStock']], 'FAILED_PRECONDITION');
        }
        if ($quantity < 1) {
            // Not declared by the IDL: a Thrift caller gets a TApplicationException "INVALID_ARGUMENT: …".
            throw new MeshError('INVALID_ARGUMENT', "quantity must be at least 1, got $quantity");
        }
        return ['itemId' => $item['id'], 'available' => $item['inStock'] - $quantity, 'servedBy' => PHP_SAPI];
    }

    public function totalUnits(array $args, TransmeshCall $call): int
    {
        return array_sum(array_column(Stock::items(), 'inStock'));
    }

    private function item(mixed $id): array
    {
        return Stock::find($id) ?? throw new ThriftException('inventory.ItemNotFound', ['message' => "no item $id", 'itemId' => $id], 'NOT_FOUND');
    }
}

(new TransmeshServer())
    ->serve('acme.catalog.v1.CatalogService', new Catalog())
    ->serve('inventory.InventoryService', new Inventory())
    ->handle();
