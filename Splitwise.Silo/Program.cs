Console.Error.WriteLine("usage: Splitwise.Silo generate|tokenize|serve ...");
return 2;
