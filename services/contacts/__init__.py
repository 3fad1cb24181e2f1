"""Contacts: prospects, clients, accounts and every CRM record about them."""
