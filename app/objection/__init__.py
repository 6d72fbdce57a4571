"""The vote's frozen roll open to the estate's owners, objections to its entries and the organiser's answers."""
