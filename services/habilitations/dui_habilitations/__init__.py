"""The habilitations service: the OG's habilitation matrix, accounts, emergency and persons' accesses, access journal."""
