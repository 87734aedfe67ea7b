// The demo starts PHP-FPM too; one implementation, in src/dev.
export { phpFpmBinary, startPhpFpm } from '../../src/dev/php-fpm';
