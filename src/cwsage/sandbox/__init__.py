"""The built-in sandbox: a ConnectWise Manage emulator and a Sage 300 emulator with a seeded demo company.

They are products, not mocks: written from ``shared/reference`` rather than from cwsage's client models,
so that they catch the clients' mistakes instead of sharing them. Production modules never import this
package; only the ``demo`` and ``sandbox`` commands and the tests do.
"""
